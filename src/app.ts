// The composition root: the one place that knows every concrete part. It
// builds the HTTP app from config, installs the global pipeline in the seed's
// order, and registers the modules. No container: dependencies are passed as
// plain typed objects.

import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createApp, type App } from './http/app.ts';
import { defaultBodyLimits } from './http/body/index.ts';
import { registerApiDocs } from './http/docs-page.ts';
import { accessLog } from './http/middleware/access-log.ts';
import { compression } from './http/middleware/compression.ts';
import { cors } from './http/middleware/cors.ts';
import { securityHeaders } from './http/middleware/security-headers.ts';
import { createSecurityHeaders } from './http/security-headers.ts';
import { ReadinessChecks } from './modules/health/readiness.ts';
import { registerHealthRoutes } from './modules/health/routes.ts';
import type { Database } from './db/schema.ts';
import { registerApiKeysRoutes } from './modules/api-keys/routes.ts';
import { createApiKeysService } from './modules/api-keys/service.ts';
import { createApiKeyVerifier } from './modules/api-keys/verifier.ts';
import type { JsonObject } from './modules/audit/chain.ts';
import { registerAuditRoutes } from './modules/audit/routes.ts';
import { registerMailRoutes } from './modules/mail/routes.ts';
import { createSuppressionStore } from './modules/mail/suppressions.ts';
import { createAuditService } from './modules/audit/service.ts';
import { authentication } from './modules/auth/authenticate.ts';
import { registerAccountRoutes } from './modules/auth/account-routes.ts';
import { createAccountService } from './modules/auth/account-service.ts';
import type { AuditSink } from './modules/auth/ports.ts';
import { loadKeyRing } from './modules/auth/keys.ts';
import { registerMfaRoutes } from './modules/auth/mfa/routes.ts';
import { createMfaService } from './modules/auth/mfa/service.ts';
import { registerAuthRoutes } from './modules/auth/routes.ts';
import { registerSessionRoutes } from './modules/auth/session-routes.ts';
import { createSessions } from './modules/auth/sessions.ts';
import { createSignOutEverywhere } from './modules/auth/sign-out-everywhere.ts';
import { createSessionStore } from './sessions.ts';
import { createAuthService } from './modules/auth/service.ts';
import { DEFAULT_THROTTLE, kvThrottleStore, sqlThrottleStore } from './modules/auth/throttle.ts';
import { jwksDocument } from './modules/auth/tokens/jwks.ts';
import type { KeyRing } from './modules/auth/tokens/signing-keys.ts';
import { createAccessTokenService } from './modules/auth/tokens/token-service.ts';
import { registerPaymentsRoutes } from './modules/payments/routes.ts';
import { createPaymentsService } from './modules/payments/service.ts';
import { registerUsersRoutes } from './modules/users/routes.ts';
import { createUsersService } from './modules/users/service.ts';
import { createCatalogService } from './modules/catalog/service.ts';
import { registerCatalogRoutes } from './modules/catalog/routes.ts';
import type { Product } from './modules/catalog/schemas.ts';
import { CacheAside } from './platform/cache/cache-aside.ts';
import { registerOpsRoutes } from './modules/ops/routes.ts';
import { registerOrdersRoutes } from './modules/orders/routes.ts';
import { createOrdersService } from './modules/orders/service.ts';
import type { recordEvent } from './modules/events/outbox.ts';
import { chargeOrder, refundOrder } from './modules/payments/ledger.ts';
import type { Config } from './platform/config.ts';
import type { Lifecycle } from './platform/lifecycle.ts';
import { toSqlError } from './platform/sql/sql-errors.ts';
import { loadDataKey } from './platform/data-key.ts';
import { createSecretBox } from './platform/secret-box.ts';
import { createRateLimits } from './rate-limits.ts';
import { BackgroundTasks } from './platform/background.ts';
import { accountLinks, createMailer } from './platform/mailer.ts';
import { startWorkers, WORKED_QUEUES } from './workers.ts';
import { registerJobsRoutes } from './modules/ops/jobs-routes.ts';
import { deliveryQueue } from './modules/webhooks/jobs.ts';
import { registerWebhooksRoutes } from './modules/webhooks/routes.ts';
import { createWebhooksService } from './modules/webhooks/service.ts';
import { createJobQueue } from './platform/queue.ts';
import { createSharedState, type SharedState } from './platform/shared-state.ts';
import type { SqlDatabase } from './ports/sql.ts';

export interface ServiceDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Access-token signing keys (see modules/auth/keys.ts). */
  readonly keys: KeyRing;
  /** Encrypts stored secrets such as TOTP seeds (see platform/data-key.ts). */
  readonly dataKey: Buffer;
  /** How orders record `order.placed`; the outbox when absent (bench/orders replaces it). */
  readonly recordOrderEvent?: typeof recordEvent;
}

export interface Service {
  readonly app: App;
  readonly readiness: ReadinessChecks;
  /** Work running after its response went out (mail); `idle()` waits for it. */
  readonly background: BackgroundTasks;
  /** Key-value store and pub/sub: in process, or on Redis with REDIS_URL. */
  readonly shared: SharedState;
}

export const SERVICE_VERSION = '0.1.0';

/** The listener's socket limits (slowloris, oversized headers) as configured. */
export function socketLimits(config: Config) {
  return {
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    maxHeaderSize: config.http.maxHeaderSize,
  };
}

/**
 * The keys the service needs before it can start: token signing keys and the
 * data key, each from its secret, or generated under DATA_DIR in development.
 */
export async function loadServiceKeys(
  config: Config,
  logger: Logger,
): Promise<Pick<ServiceDeps, 'keys' | 'dataKey'>> {
  const keys = await loadKeyRing(config, logger);
  const dataKey = await loadDataKey(config.security.dataKey, config.dataDir);
  if (dataKey.generatedAt !== undefined) {
    logger.warn(
      { path: dataKey.generatedAt },
      'generated a development data key (set DATA_ENCRYPTION_KEY in production)',
    );
  }
  return { keys, dataKey: dataKey.key };
}

export function createService(config: Config, deps: ServiceDeps): Service {
  const { logger, lifecycle, sql, keys } = deps;
  const app = createApp({
    logger,
    // A lost database connection is a 503 with Retry-After, a constraint a 409/422.
    errorMappers: [toSqlError],
    trustProxy: config.http.trustProxy,
    deadlineMs: config.http.requestDeadlineMs,
    uploadDir: join(resolve(config.dataDir), 'uploads'),
    bodyLimits: {
      ...defaultBodyLimits,
      json: config.body.jsonLimitBytes,
      form: config.body.formLimitBytes,
      multipart: {
        ...defaultBodyLimits.multipart,
        fileSize: config.body.uploadMaxFileBytes,
        files: config.body.uploadMaxFiles,
      },
    },
  });

  const security = createSecurityHeaders({
    hsts: { maxAge: config.tls.hstsMaxAgeSeconds, includeSubDomains: true },
    // Swagger UI sets inline style attributes, which a nonce cannot cover.
    csp: { directives: { 'style-src': ["'self'", "'unsafe-inline'"] } },
  });

  const tokens = createAccessTokenService({
    ring: keys,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });
  const readiness = new ReadinessChecks(() =>
    lifecycle.stopping ? 'stopping' : lifecycle.ready ? 'ready' : 'starting',
  );
  readiness.add('database', (signal) => sql.ping(signal));
  const shared = createSharedState(config, { logger, lifecycle, readiness });
  const sessionStore = createSessionStore(config, { sql, shared });
  const sessions = createSessions({
    store: sessionStore,
    cookieName: config.auth.sessionCookieName,
    ttlSeconds: config.auth.sessionTtlSeconds,
    trustedOrigins: [
      ...config.cors.origins,
      ...(config.http.publicUrl === undefined ? [] : [new URL(config.http.publicUrl).origin]),
    ],
  });
  app.use(
    accessLog(),
    securityHeaders(security),
    compression(),
    authentication({ tokens, apiKey: createApiKeyVerifier({ sql }), session: sessions }),
  );
  if (config.cors.origins.length > 0) {
    app.use(cors({ origins: config.cors.origins, credentials: config.cors.credentials }));
  }

  // Per-IP before authentication, per-user after it; the sign-in routes add
  // stricter ones (src/rate-limits.ts).
  const rateLimits = createRateLimits(config, { logger, lifecycle, readiness });
  app.use(...rateLimits.global);
  registerHealthRoutes(app, readiness);
  const productCache = config.cache.enabled
    ? createProductCache(config, { shared, logger, lifecycle })
    : undefined;
  registerCatalogRoutes(app, createCatalogService({ sql, cache: productCache }));
  registerOpsRoutes(app, { caches: productCache === undefined ? {} : { products: productCache } });

  const auditLog = createAuditService({ sql });
  const audit: AuditSink = {
    async record(entry) {
      await auditLog.record({ ...entry, details: entry.details as JsonObject | undefined });
    },
  };
  const pepper = config.security.pepper;
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
  const background = new BackgroundTasks(logger);
  // Every send checks the suppression list (modules/mail/).
  const mailer = createMailer(config, logger, sql);
  // Registered before the listener (in main.ts), so it closes after it: no
  // request can start new mail once the pending mail is being waited for.
  lifecycle.add({
    name: 'mail',
    close: async () => {
      await background.idle();
      await mailer.close?.();
    },
  });
  const signOut = createSignOutEverywhere({ sql, sessions: sessionStore, logger });
  const accounts = createAccountService({
    sql,
    mailer,
    background,
    audit,
    pepper,
    throttle,
    lockouts,
    signOut,
    links: accountLinks(config),
  });
  // Registration records `user.registered`; its consumer mails the welcome (and verification link).
  const users = createUsersService({ sql, audit, pepper, signOut });
  // After 'mail', so the queue and the workers stop before the mailer they use closes.
  const queue = createJobQueue(config, { logger, lifecycle, sql });
  if (config.workers.mode === 'inline') {
    startWorkers(config, {
      logger,
      lifecycle,
      sql,
      queue,
      shared,
      mailer,
      sessions: sessionStore,
      dataKey: deps.dataKey,
    });
  }
  const auth = createAuthService({
    sql,
    tokens,
    audit,
    pepper,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    throttle,
    lockouts,
    mfa,
  });
  const signInLimits = rateLimits.signIn;
  registerAuthRoutes(app, {
    auth,
    users,
    jwks: () => jwksDocument(keys, new Date()),
    signInLimits,
  });
  registerAccountRoutes(app, accounts, { signInLimits });
  registerSessionRoutes(app, { auth, sessions, signInLimits });
  registerMfaRoutes(app, { mfa, users });
  registerUsersRoutes(app, users);
  registerApiKeysRoutes(app, createApiKeysService({ sql, audit }));
  registerPaymentsRoutes(app, createPaymentsService({ sql, audit }));
  registerOrdersRoutes(
    app,
    createOrdersService({
      sql,
      audit,
      payments: { chargeOrder, refundOrder },
      recordEvent: deps.recordOrderEvent,
      // Stock is part of a product's representation: orders invalidate it too.
      productsChanged: async (changes) => {
        for (const { id, version } of changes) await productCache?.invalidate(id, version);
      },
    }),
  );
  registerAuditRoutes(app, auditLog);
  registerJobsRoutes(app, { queue, queues: WORKED_QUEUES, audit });
  registerMailRoutes(app, {
    store: createSuppressionStore(sql),
    outbox: mailer.outbox,
    eventsSecret: config.mail.eventsSecret,
    audit,
    logger,
  });
  registerWebhooksRoutes(
    app,
    createWebhooksService({
      sql,
      box: createSecretBox(deps.dataKey),
      audit,
      queue: deliveryQueue(queue, config.queue.backend === 'postgres'),
      settings: config.webhooks,
    }),
  );
  registerApiDocs(
    app,
    {
      title: 'Throughline API',
      version: SERVICE_VERSION,
      description: 'The commerce API of Throughline.',
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from /api/v1/auth/login, or an API key (tl_…) in its place.',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'An API key from /api/v1/me/api-keys, limited to its scopes.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: config.auth.sessionCookieName,
          description:
            'A browser session from /api/v1/auth/session. Unsafe methods also need a same-site Origin and the X-CSRF-Token header.',
        },
      },
      ...(config.http.publicUrl === undefined ? {} : { servers: [{ url: config.http.publicUrl }] }),
    },
    security,
  );
  return { app, readiness, background, shared };
}

/**
 * The product read cache on the shared state (in process, or Redis with
 * REDIS_URL), listening for other instances' invalidations from start-up.
 */
function createProductCache(
  config: Config,
  deps: { shared: SharedState; logger: Logger; lifecycle: Lifecycle },
): CacheAside<Product> {
  const cache = new CacheAside<Product>({
    kv: deps.shared.kv,
    pubsub: deps.shared.pubsub,
    namespace: 'products',
    ttlMs: config.cache.productTtlMs,
    staleMs: config.cache.staleMs,
    localTtlMs: config.cache.localTtlMs,
    versionOf: (product) => product.version,
    logger: deps.logger,
  });
  void cache.start();
  deps.lifecycle.add({ name: 'product cache', close: () => cache.stop() });
  return cache;
}
