// The HTTP side of the composition root: the core app with its configured
// limits and error mappers, the security headers every response carries,
// and the API description with its security schemes.

import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createApp, type App } from './http/app.ts';
import { defaultBodyLimits } from './http/body/index.ts';
import { registerApiDocs } from './http/docs-page.ts';
import { createSecurityHeaders, type SecurityHeaders } from './http/security-headers.ts';
import type { Config } from './platform/config.ts';
import { toSqlError } from './platform/sql/sql-errors.ts';

export const SERVICE_VERSION = '0.1.0';

export function createHttpApp(config: Config, logger: Logger): App {
  return createApp({
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
}

export function serviceSecurityHeaders(config: Config): SecurityHeaders {
  return createSecurityHeaders({
    hsts: { maxAge: config.tls.hstsMaxAgeSeconds, includeSubDomains: true },
    // Swagger UI sets inline style attributes, which a nonce cannot cover.
    csp: { directives: { 'style-src': ["'self'", "'unsafe-inline'"] } },
  });
}

/** The listener's socket limits (slowloris, oversized headers) as configured. */
export function socketLimits(config: Config) {
  return {
    headersTimeoutMs: config.http.headersTimeoutMs,
    requestTimeoutMs: config.http.requestTimeoutMs,
    keepAliveTimeoutMs: config.http.keepAliveTimeoutMs,
    maxHeaderSize: config.http.maxHeaderSize,
  };
}

/** `/openapi.json` and the docs page, registered last: they describe every route before them. */
export function registerServiceDocs(app: App, config: Config, security: SecurityHeaders): void {
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
}
