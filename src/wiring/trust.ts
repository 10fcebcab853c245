// The credentials every request is checked against, built by the root
// before the pipeline (the authentication middleware is global): access
// tokens, API keys, browser sessions. The routes that issue and manage them
// are the auth, users and api-keys modules'.

import type { Database } from './tables.ts';
import type { Middleware } from '../http/pipeline/pipeline.ts';
import type { Identity } from '../http/pipeline/context.ts';
import { createApiKeyVerifier } from '../modules/api-keys/verifier.ts';
import { authentication, identityFromAuthorization } from '../modules/auth/authenticate.ts';
import type { AccessTokens } from '../modules/auth/ports.ts';
import type { SessionStore } from '../modules/auth/session-store.ts';
import { createSessions, type Sessions } from '../modules/auth/sessions.ts';
import type { KeyRing } from '../modules/auth/tokens/signing-keys.ts';
import { createAccessTokenService } from '../modules/auth/tokens/token-service.ts';
import type { Config } from '../platform/config.ts';
import type { SharedState } from './engines.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { createSessionStore } from './engines.ts';

export interface Credentials {
  readonly tokens: AccessTokens;
  readonly sessionStore: SessionStore;
  readonly sessions: Sessions;
  /** The global middleware: exactly one credential per request, checked. */
  readonly authenticate: Middleware;
  /** An `Authorization: Bearer` value (token or API key) → its identity: the gRPC methods'. */
  readonly authorize: (authorization: string) => Promise<Identity>;
}

export function createCredentials(
  config: Config,
  deps: {
    readonly keys: KeyRing;
    readonly sql: SqlDatabase<Database>;
    readonly shared: SharedState;
  },
): Credentials {
  const { sql } = deps;
  const tokens = createAccessTokenService({
    ring: deps.keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });
  const sessionStore = createSessionStore(config, { sql, shared: deps.shared });
  const sessions = createSessions({
    store: sessionStore,
    cookieName: config.auth.sessionCookieName,
    ttlSeconds: config.auth.sessionTtlSeconds,
    trustedOrigins: [
      ...config.cors.origins,
      ...(config.http.publicUrl === undefined ? [] : [new URL(config.http.publicUrl).origin]),
    ],
  });
  const apiKey = createApiKeyVerifier({ sql });
  const authenticate = authentication({ tokens, apiKey, session: sessions });
  const authorize = (authorization: string) =>
    identityFromAuthorization({ tokens, apiKey }, authorization);
  return { tokens, sessionStore, sessions, authenticate, authorize };
}
