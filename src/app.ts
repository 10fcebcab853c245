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
import type { JsonObject } from './modules/audit/chain.ts';
import { registerAuditRoutes } from './modules/audit/routes.ts';
import { createAuditService } from './modules/audit/service.ts';
import { bearerAuthentication } from './modules/auth/authenticate.ts';
import type { AuditSink } from './modules/auth/ports.ts';
import { registerAuthRoutes } from './modules/auth/routes.ts';
import { createAuthService } from './modules/auth/service.ts';
import { DEFAULT_THROTTLE } from './modules/auth/throttle.ts';
import { jwksDocument } from './modules/auth/tokens/jwks.ts';
import type { KeyRing } from './modules/auth/tokens/signing-keys.ts';
import { createAccessTokenService } from './modules/auth/tokens/token-service.ts';
import { registerUsersRoutes } from './modules/users/routes.ts';
import { createUsersService } from './modules/users/service.ts';
import { createCatalogService } from './modules/catalog/service.ts';
import { registerCatalogRoutes } from './modules/catalog/routes.ts';
import type { Config } from './platform/config.ts';
import type { Lifecycle } from './platform/lifecycle.ts';
import { toSqlError } from './platform/sql/sql-errors.ts';
import type { SqlDatabase } from './ports/sql.ts';

export interface ServiceDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Access-token signing keys (see modules/auth/keys.ts). */
  readonly keys: KeyRing;
}

export interface Service {
  readonly app: App;
  readonly readiness: ReadinessChecks;
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

export function createService(config: Config, deps: ServiceDeps): Service {
  const { logger, lifecycle, sql, keys } = deps;
  const app = createApp({
    logger,
    // A lost database connection is a 503 with Retry-After, a constraint a 409/422.
    errorMappers: [toSqlError],
    trustProxy: config.http.trustProxy !== false,
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
  app.use(accessLog(), securityHeaders(security), compression(), bearerAuthentication(tokens));
  if (config.cors.origins.length > 0) {
    app.use(cors({ origins: config.cors.origins, credentials: config.cors.credentials }));
  }

  const readiness = new ReadinessChecks(() =>
    lifecycle.stopping ? 'stopping' : lifecycle.ready ? 'ready' : 'starting',
  );
  readiness.add('database', (signal) => sql.ping(signal));
  registerHealthRoutes(app, readiness);
  registerCatalogRoutes(app, createCatalogService({ sql }));

  const auditLog = createAuditService({ sql });
  const audit: AuditSink = {
    async record(entry) {
      await auditLog.record({ ...entry, details: entry.details as JsonObject | undefined });
    },
  };
  const pepper = config.security.pepper;
  const users = createUsersService({ sql, audit, pepper });
  const auth = createAuthService({
    sql,
    tokens,
    audit,
    pepper,
    refreshTtlSeconds: config.auth.refreshTokenTtlSeconds,
    throttle: {
      ...DEFAULT_THROTTLE,
      freeFailures: config.auth.loginFreeFailures,
      baseLockMs: config.auth.loginLockBaseMs,
      maxLockMs: config.auth.loginLockMaxMs,
    },
  });
  registerAuthRoutes(app, { auth, users, jwks: () => jwksDocument(keys, new Date()) });
  registerUsersRoutes(app, users);
  registerAuditRoutes(app, auditLog);
  registerApiDocs(
    app,
    {
      title: 'Throughline API',
      version: SERVICE_VERSION,
      description: 'The commerce API of Throughline.',
      ...(config.http.publicUrl === undefined ? {} : { servers: [{ url: config.http.publicUrl }] }),
    },
    security,
  );
  return { app, readiness };
}
