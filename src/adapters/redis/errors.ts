// What a Redis failure looks like to the rest of the service: one code for
// "Redis cannot be reached right now" (refused, dropped, timed out, not yet
// reconnected), so callers can tell an outage they may fail open on from a
// bug. Redis refusing for the time being (out of memory, loading, a replica
// after a failover) counts as unavailable too. Everything else passes through
// unchanged, to end as a 500: errors Redis answers a wrong call with (wrong
// type, not an integer) and bad arguments caught before anything was sent.

import { AppError, defineErrors, errorFactory } from '../../errors/index.ts';

export const redisErrors = defineErrors({
  // The outage itself is logged once by the connection (client.ts); each
  // request that fails because of it is only a warning.
  REDIS_UNAVAILABLE: { status: 503, title: 'Shared state unavailable', level: 'warn' },
});

export type RedisErrorCode = keyof typeof redisErrors;

export const redisError = errorFactory(redisErrors);

const RETRY_AFTER = { 'retry-after': '1' } as const;

/** ioredis's own failures when it has no usable connection. */
const CONNECTION_FAILURE_NAMES = new Set([
  'MaxRetriesPerRequestError',
  'AbortError',
  'ClusterAllFailedError',
]);
const CONNECTION_FAILURE_MESSAGES = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Socket timeout',
  'connect ETIMEDOUT',
  "Cluster isn't ready",
  'Cluster is disconnected',
  'None of startup nodes is available',
];
const CONNECTION_FAILURE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * Replies that mean "not now" rather than "wrong command": out of memory
 * under `noeviction`, still loading its data set, a replica after a failover,
 * a busy script, a cluster reconfiguring.
 */
const UNAVAILABLE_REPLY =
  /^(OOM|LOADING|READONLY|MASTERDOWN|BUSY|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/;

/** True when `error` means Redis cannot serve the call right now (as opposed to a bad call). */
export function isRedisConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLY.test(error.message);
  if (CONNECTION_FAILURE_NAMES.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_FAILURE_ERRNOS.has(code)) return true;
  return CONNECTION_FAILURE_MESSAGES.some((message) => error.message.includes(message));
}

/** A connection-level failure as REDIS_UNAVAILABLE; anything else unchanged. */
export function toRedisError(error: unknown): unknown {
  if (!isRedisConnectionFailure(error)) return error;
  return redisError('REDIS_UNAVAILABLE', {
    detail: 'Shared state (Redis) cannot be reached; retry shortly.',
    headers: RETRY_AFTER,
    cause: error,
  });
}

/** True when `error` is REDIS_UNAVAILABLE: the outage, not a bug. */
export function isRedisUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'REDIS_UNAVAILABLE';
}

/** Awaits a Redis call, rethrowing connection failures as REDIS_UNAVAILABLE. */
export async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toRedisError(error);
  }
}
