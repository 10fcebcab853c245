// What the two full-pipeline contenders (throughline default, fastify +
// plugins) are configured with alike, so neither gets an easier setting:
// one allowed CORS origin, a rate limit no benchmark run can reach, the
// token issuer and audience, and where the access log goes.
//
// The access log is a file under the OS temp dir that the server opens
// itself and removes when it stops: real writes (the service's own log
// destination, asynchronous, as on stdout in production) without filling a disk and
// without a terminal or pipe on the other end that could slow one of them.

import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { logDestination } from '../../src/platform/log-destination.ts';

export const ALLOWED_ORIGIN = 'https://app.example.com';

/**
 * A million requests a second per client: far above what one core serves,
 * so the limiter counts every request and never refuses one.
 */
export const RATE_LIMIT = { limit: 1_000_000, windowMs: 1000 } as const;

/** The service's defaults (JWT_ISSUER, JWT_AUDIENCE). */
export const TOKEN_ISSUER = 'throughline';
export const TOKEN_AUDIENCE = 'throughline-api';

/** The same settings as the service's configuration (environment names). */
export const MATCHED_SERVICE_ENV: Readonly<Record<string, string>> = {
  CORS_ORIGINS: ALLOWED_ORIGIN,
  RATE_LIMIT_IP_LIMIT: String(RATE_LIMIT.limit),
  RATE_LIMIT_IP_WINDOW_MS: String(RATE_LIMIT.windowMs),
  RATE_LIMIT_USER_LIMIT: String(RATE_LIMIT.limit),
  RATE_LIMIT_USER_WINDOW_MS: String(RATE_LIMIT.windowMs),
  JWT_ISSUER: TOKEN_ISSUER,
  JWT_AUDIENCE: TOKEN_AUDIENCE,
};

export interface AccessLogFile {
  readonly path: string;
  readonly destination: DestinationStream;
  /** Deletes the file; pino still flushes into the open descriptor on exit. */
  remove(): void;
}

export function openAccessLogFile(contender: string): AccessLogFile {
  const path = join(tmpdir(), `throughline-bench-${contender}-${process.pid}.log`);
  const destination = logDestination(path);
  return {
    path,
    destination,
    remove: () => {
      rmSync(path, { force: true });
    },
  };
}
