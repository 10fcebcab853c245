// Auth: signing in (passwords, second factors, refresh tokens), browser
// sessions, email verification and password reset, and the sign-out that
// follows a password or role change. The credentials every request is
// checked against are built by the root before the pipeline (they are the
// authentication middleware's); this module issues and manages them.

import type { Middleware } from '../../http/pipeline/pipeline.ts';
import type { BackgroundTasks } from '../../platform/background.ts';
import type { Config } from '../../platform/config.ts';
import { createSecretBox } from '../../platform/secret-box.ts';
import type { KeyValueStore } from '../../ports/kv.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventHandlers } from '../events/registry.ts';
import { configuredPasswordHasher } from '../users/passwords.ts';
import { usersService, type UsersContext } from '../users/module.ts';
import { defineModule } from '../contract.ts';
import { accountErrors } from './account-errors.ts';
import { accountLinks } from './account-mail.ts';
import { registerAccountRoutes } from './account-routes.ts';
import { createAccountService } from './account-service.ts';
import { authErrors } from './errors.ts';
import { registerMfaRoutes } from './mfa/routes.ts';
import { createMfaService } from './mfa/service.ts';
import type { AccessTokens } from './ports.ts';
import { registerAuthRoutes } from './routes.ts';
import { createAuthService } from './service.ts';
import { registerSessionRoutes } from './session-routes.ts';
import type { SessionRevoker } from './session-store.ts';
import type { Sessions } from './sessions.ts';
import { onSignedOutEverywhere, SIGN_OUT_QUEUE } from './sign-out-everywhere.ts';
import { DEFAULT_THROTTLE, kvThrottleStore, sqlThrottleStore } from './throttle.ts';
import type { AuthDatabase } from './tables.ts';
import { jwksDocument } from './tokens/jwks.ts';
import { createOidcClient } from './oidc/client.ts';
import { oidcErrors } from './oidc/errors.ts';
import { registerOidcRoutes } from './oidc/routes.ts';
import { createOidcService } from './oidc/service.ts';
import { passkeyErrors } from './passkeys/errors.ts';
import { registerPasskeyRoutes } from './passkeys/routes.ts';
import { createPasskeyService, type RelyingParty } from './passkeys/service.ts';
import type { KeyRing } from './tokens/signing-keys.ts';
import { tokenErrors } from './tokens/token-errors.ts';
import { registerMailConsumers } from './welcome-consumer.ts';

export interface AuthContext extends UsersContext {
  readonly sql: SqlDatabase<AuthDatabase> & UsersContext['sql'];
  /** Failure counters live beside the other shared state: in Redis when configured. */
  readonly shared: { readonly kv: KeyValueStore; readonly redis?: unknown };
  readonly keys: KeyRing;
  readonly dataKey: Buffer;
  readonly credentials: { readonly tokens: AccessTokens; readonly sessions: Sessions };
  readonly mailer: Mailer;
  readonly background: BackgroundTasks;
  /** Per-client limits on the routes that take credentials or create accounts. */
  readonly signInLimits: readonly Middleware[];
}

export interface AuthWorkerContext {
  readonly config: Config;
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly mailer: Mailer;
  readonly queue: Pick<JobQueue, 'enqueue' | 'process'>;
  readonly handlers: EventHandlers;
  /** Where sign-outs whose first try failed are finished. */
  readonly sessions: SessionRevoker;
}

/**
 * How long a sign-out's job waits before repeating the request's own try:
 * ten times the Redis command timeout, comfortably more than the few
 * commands that try takes, and at least a second.
 */
function signOutRetryDelayMs(config: Config): number {
  return Math.max(1000, 10 * config.redis.commandTimeoutMs);
}

/** One client per configured provider; PUBLIC_URL is set whenever any is (a config rule). */
function oidcClients(config: Config) {
  const publicUrl = config.http.publicUrl ?? 'http://localhost';
  return new Map(
    config.auth.oidcProviders.map((settings) => [
      settings.id,
      // Plain-HTTP issuers only outside production (a config rule enforces it there too).
      createOidcClient(settings, { publicUrl, allowHttp: config.nodeEnv !== 'production' }),
    ]),
  );
}

/** Passkeys are bound to a domain (the RP ID) and accepted from these page origins. */
function relyingParty(config: Config): RelyingParty {
  const publicUrl =
    config.http.publicUrl === undefined ? undefined : new URL(config.http.publicUrl);
  return {
    id: config.auth.webauthnRpId ?? publicUrl?.hostname ?? 'localhost',
    name: 'Throughline',
    origins: config.auth.webauthnOrigins ?? [
      publicUrl?.origin ?? `http://localhost:${config.http.port}`,
    ],
  };
}

export const authModule = defineModule({
  name: 'auth',
  errors: { ...authErrors, ...tokenErrors, ...accountErrors, ...oidcErrors, ...passkeyErrors },
  events: ['user.signed_out_everywhere'],
  queues: [SIGN_OUT_QUEUE],
  routes(app, context: AuthContext) {
    const { config, sql, audit, credentials, signInLimits } = context;
    const passwords = configuredPasswordHasher(config.security);
    const throttle = {
      ...DEFAULT_THROTTLE,
      freeFailures: config.auth.loginFreeFailures,
      baseLockMs: config.auth.loginLockBaseMs,
      maxLockMs: config.auth.loginLockMaxMs,
    };
    const lockouts =
      context.shared.redis === undefined
        ? sqlThrottleStore(sql.db)
        : kvThrottleStore(context.shared.kv);
    const passkeys = createPasskeyService({ sql, audit, rp: relyingParty(config) });
    const mfa = createMfaService({
      sql,
      passkeys,
      box: createSecretBox(context.dataKey),
      audit,
      throttle,
      lockouts,
      issuer: 'Throughline',
    });
    const accounts = createAccountService({
      sql,
      mailer: context.mailer,
      background: context.background,
      audit,
      passwords,
      throttle,
      lockouts,
      signOut: context.signOut,
      links: accountLinks(config),
    });
    const users = usersService(context);
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
      jwks: () => jwksDocument(context.keys, new Date()),
      signInLimits,
    });
    registerAccountRoutes(app, accounts, { signInLimits });
    registerSessionRoutes(app, { auth, sessions: credentials.sessions, signInLimits });
    registerMfaRoutes(app, { mfa, users });
    const oidc = createOidcService({
      sql,
      clients: oidcClients(config),
      box: createSecretBox(context.dataKey),
      audit,
      auth,
    });
    registerOidcRoutes(app, { oidc, auth, sessions: credentials.sessions, signInLimits });
    registerPasskeyRoutes(app, {
      passkeys,
      users,
      auth,
      sessions: credentials.sessions,
      sql,
      signInLimits,
    });
  },
  workers(context: AuthWorkerContext) {
    const { config, sql, handlers } = context;
    // `user.registered` → the welcome mail, with the verification link.
    registerMailConsumers(handlers, { sql, mailer: context.mailer, links: accountLinks(config) });
    onSignedOutEverywhere(handlers, {
      sql,
      sessions: context.sessions,
      queue: context.queue,
      retryDelayMs: signOutRetryDelayMs(config),
    });
  },
});
