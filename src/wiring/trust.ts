// Trust in the composition root (seed modules 07 and 08): the credentials
// the authentication middleware checks (access tokens, API keys, browser
// sessions), and the routes that issue and manage them — sign-in and
// refresh, browser sessions, email verification and password reset, second
// factors, users and roles, API keys.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import type { App } from '../http/app.ts';
import type { Middleware } from '../http/pipeline.ts';
import { registerApiKeysRoutes } from '../modules/api-keys/routes.ts';
import { createApiKeysService } from '../modules/api-keys/service.ts';
import { createApiKeyVerifier } from '../modules/api-keys/verifier.ts';
import { registerAccountRoutes } from '../modules/auth/account-routes.ts';
import { createAccountService } from '../modules/auth/account-service.ts';
import { authentication } from '../modules/auth/authenticate.ts';
import { registerMfaRoutes } from '../modules/auth/mfa/routes.ts';
import { createMfaService } from '../modules/auth/mfa/service.ts';
import type { AccessTokens } from '../modules/auth/ports.ts';
import type { AuditSink } from '../ports/audit.ts';
import { registerAuthRoutes } from '../modules/auth/routes.ts';
import { createAuthService } from '../modules/auth/service.ts';
import { registerSessionRoutes } from '../modules/auth/session-routes.ts';
import type { SessionStore } from '../modules/auth/session-store.ts';
import { createSessions, type Sessions } from '../modules/auth/sessions.ts';
import { createSignOutEverywhere } from '../modules/auth/sign-out-everywhere.ts';
import { DEFAULT_THROTTLE, kvThrottleStore, sqlThrottleStore } from '../modules/auth/throttle.ts';
import { jwksDocument } from '../modules/auth/tokens/jwks.ts';
import type { KeyRing } from '../modules/auth/tokens/signing-keys.ts';
import { createAccessTokenService } from '../modules/auth/tokens/token-service.ts';
import { registerUsersRoutes } from '../modules/users/routes.ts';
import { configuredPasswordHasher } from '../modules/users/passwords.ts';
import { createUsersService } from '../modules/users/service.ts';
import type { BackgroundTasks } from '../platform/background.ts';
import type { Config } from '../platform/config.ts';
import { accountLinks, type ServiceMailer } from './mail.ts';
import { createSecretBox } from '../platform/secret-box.ts';
import type { SharedState } from './engines.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { RateLimits } from './rate-limits.ts';
import { createSessionStore } from './engines.ts';

export interface Credentials {
  readonly tokens: AccessTokens;
  readonly sessionStore: SessionStore;
  readonly sessions: Sessions;
  /** The global middleware: exactly one credential per request, checked. */
  readonly authenticate: Middleware;
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
  const authenticate = authentication({
    tokens,
    apiKey: createApiKeyVerifier({ sql }),
    session: sessions,
  });
  return { tokens, sessionStore, sessions, authenticate };
}

export interface TrustDeps {
  readonly logger: Logger;
  readonly sql: SqlDatabase<Database>;
  readonly shared: SharedState;
  readonly keys: KeyRing;
  readonly dataKey: Buffer;
  readonly credentials: Credentials;
  readonly audit: AuditSink;
  readonly mailer: ServiceMailer;
  readonly background: BackgroundTasks;
  readonly signInLimits: RateLimits['signIn'];
}

export function registerTrust(app: App, config: Config, deps: TrustDeps): void {
  const { sql, shared, audit, credentials, signInLimits } = deps;
  const passwords = configuredPasswordHasher(config.security);
  const throttle = {
    ...DEFAULT_THROTTLE,
    freeFailures: config.auth.loginFreeFailures,
    baseLockMs: config.auth.loginLockBaseMs,
    maxLockMs: config.auth.loginLockMaxMs,
  };
  // Failure counters beside the other shared state: in Redis when configured.
  const lockouts =
    shared.redis === undefined ? sqlThrottleStore(sql.db) : kvThrottleStore(shared.kv);
  const mfa = createMfaService({
    sql,
    box: createSecretBox(deps.dataKey),
    audit,
    throttle,
    lockouts,
    issuer: 'Throughline',
  });
  const signOut = createSignOutEverywhere({
    sql,
    sessions: credentials.sessionStore,
    logger: deps.logger,
  });
  const accounts = createAccountService({
    sql,
    mailer: deps.mailer,
    background: deps.background,
    audit,
    passwords,
    throttle,
    lockouts,
    signOut,
    links: accountLinks(config),
  });
  // Registration records `user.registered`; its consumer mails the welcome (and verification link).
  const users = createUsersService({ sql, audit, passwords, signOut });
  const auth = createAuthService({
    sql,
    tokens: credentials.tokens,
    audit,
    passwords,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    throttle,
    lockouts,
    mfa,
  });
  registerAuthRoutes(app, {
    auth,
    users,
    jwks: () => jwksDocument(deps.keys, new Date()),
    signInLimits,
  });
  registerAccountRoutes(app, accounts, { signInLimits });
  registerSessionRoutes(app, { auth, sessions: credentials.sessions, signInLimits });
  registerMfaRoutes(app, { mfa, users });
  registerUsersRoutes(app, users);
  registerApiKeysRoutes(app, createApiKeysService({ sql, audit }));
}
