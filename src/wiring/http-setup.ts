// The HTTP side of the composition root: the core app with its configured
// limits and error mappers, the security headers every response carries,
// and the API description (its texts are in api-document.ts).

import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { apiDocument } from './api-document.ts';
import { createApp, type App } from '../http/app.ts';
import { defaultBodyLimits } from '../http/request/body/index.ts';
import { registerApiDocs } from '../http/openapi/docs-page.ts';
import { openApiProblems } from '../http/openapi/openapi.ts';
import {
  createSecurityHeaders,
  type SecurityHeaders,
} from '../http/middleware/security-headers/policy.ts';
import type { Config } from '../platform/config.ts';
import { toSqlError } from '../platform/sql/sql-errors.ts';

import { SERVICE_VERSION } from './service-version.ts';

export { SERVICE_VERSION };

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
    // Product images on S3 are shown from, and uploaded to, the bucket's own
    // presigned URLs; the disk store's are on this origin ('self').
    mediaOrigins: objectStoreOrigins(config),
  });
}

/** The S3 endpoint's origin when S3_URL is set (its user-info, the key, is not part of it). */
export function objectStoreOrigins(config: Config): readonly string[] {
  const { s3Url } = config.blobs;
  return s3Url === undefined ? [] : [new URL(s3Url).origin];
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

/**
 * `/openapi.json` and the docs page, registered last: they describe every
 * route before them. A route the document could not describe (no
 * operationId, an unregistered error code, an undeclared tag) stops the
 * start here rather than failing the first request for the document.
 * Returns what builds the document, for tools that need it without a server.
 */
export function registerServiceDocs(
  app: App,
  config: Config,
  security: SecurityHeaders,
): () => Record<string, unknown> {
  const options = apiDocument(config, SERVICE_VERSION);
  const problems = openApiProblems(app.routes(), options);
  if (problems.length > 0) {
    throw new Error(`routes the API document cannot describe:\n  ${problems.join('\n  ')}`);
  }
  return registerApiDocs(app, options, security);
}
