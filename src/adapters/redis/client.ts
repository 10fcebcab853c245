// The one way the service opens a Redis connection (ioredis), from REDIS_URL.
//
// Redis sits on the request path (cache lookups, rate limits), so a Redis
// that is down must cost a request milliseconds, not seconds: every call
// either gets an answer or rejects promptly with REDIS_UNAVAILABLE, and the
// caller decides whether to fail open (serve without the cache) or closed
// (refuse). Concretely:
// - No offline queue: while disconnected, commands reject at once instead of
//   piling up in memory to be replayed later.
// - maxRetriesPerRequest 0 and no re-sending of unanswered commands: a command
//   in flight when the connection drops fails right away, and is never sent a
//   second time after the reconnect (a re-sent INCRBY would count twice, a
//   re-sent SET NX would report a lock it already holds as taken).
// - A connect timeout, and a command timeout for a server that accepts the
//   connection but stops answering; the same silence also drops the socket
//   (socketTimeout), so the next calls fail fast while it reconnects instead
//   of each waiting out the timeout on a dead connection.
// - TCP keep-alive, so an idle connection whose peer vanished is dropped too.
// - Reconnects forever in the background with capped exponential backoff
//   plus jitter, so a fleet does not reconnect in lockstep.
// - The outage is logged once when it starts and once when it ends, not once
//   per failed command or reconnect attempt.

import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.ts';
import { redisCall, redisError } from './errors.ts';

// ioredis is loaded by the first connection, not with this module (Node's
// synchronous require): an instance without REDIS_URL never loads it, which
// spares its start-up a tenth of a second or more.
const require = createRequire(import.meta.url);

export interface RedisConnectionOptions {
  /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
  readonly url: string;
  readonly logger: Logger;
  /** What the connection is for (`commands`, `subscriber`): in log lines and CLIENT LIST. */
  readonly name?: string;
  /** How long establishing a connection may take. Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one command may wait for its reply. Default 1,000 ms. */
  readonly commandTimeoutMs?: number;
  /** The longest pause between reconnect attempts. Default 2,000 ms. */
  readonly maxReconnectDelayMs?: number;
}

export interface RedisConnection {
  /** The ioredis client, for adapters. Commands on it can reject at any time. */
  readonly client: Redis;
  readonly name: string;
  /** Connected and answering commands. */
  readonly isReady: boolean;
  /**
   * Resolves when connected. Waits while the first connection is being
   * established (bounded by the connect timeout); rejects at once with
   * REDIS_UNAVAILABLE when the connection is down and retrying.
   */
  waitUntilReady(): Promise<void>;
  /** PING, for readiness probes; rejects with REDIS_UNAVAILABLE. */
  ping(signal?: AbortSignal): Promise<void>;
  /** Closes the connection (QUIT, then the socket) and stops reconnecting. */
  close(): Promise<void>;
}

/**
 * Idle time before the kernel starts probing a Redis connection (libuv then
 * probes once a second, ten times at most), for every connection the service
 * opens to Redis: these and the job queue's (adapters/queue/bullmq.ts).
 */
export const REDIS_KEEPALIVE_IDLE_MS = 10_000;

/** Exponential backoff from 50 ms, capped, with up to 20% jitter. */
export function reconnectDelay(attempt: number, maxDelayMs: number): number {
  const base = Math.min(maxDelayMs, 50 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/** host:port/db of a Redis URL, for log lines: never the credentials. */
export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '') || '0';
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}/${db}`;
}

export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const name = options.name ?? 'commands';
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
  const target = describeRedisUrl(options.url);
  const logger = options.logger.child({ redis: target, connection: name });

  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  const client = new RedisClient(options.url, {
    connectionName: `throughline:${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The pub/sub adapter resubscribes itself: it knows which channels still
    // have handlers, ioredis only knows what was subscribed at the drop.
    autoResubscribe: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    socketTimeout: commandTimeoutMs,
    // An idle connection whose peer vanished without a reset (a NAT or
    // firewall that lost its state) is found by the kernel's probes.
    keepAlive: REDIS_KEEPALIVE_IDLE_MS,
    retryStrategy: (attempt) => reconnectDelay(attempt, maxReconnectDelayMs),
    // After close, how long an ended socket may linger before it is destroyed
    // (a pending timer that would also hold up the exit of a stopping process).
    disconnectTimeout: 500,
  });

  let closing = false;
  let connectedOnce = false;
  /** When the current outage began; undefined while connected. */
  let downSince: number | undefined;

  const outageStarted = (error: unknown) => {
    if (closing || downSince !== undefined) return;
    downSince = Date.now();
    logger.error(
      { err: error },
      connectedOnce
        ? 'redis connection lost: calls fail until it is back'
        : 'redis unreachable: calls fail until it is reachable',
    );
  };

  // Without an 'error' listener ioredis prints every failed reconnect attempt.
  client.on('error', (error: Error) => {
    if (closing || downSince !== undefined) logger.debug({ err: error }, 'redis connection error');
    else outageStarted(error);
  });
  client.on('close', () => {
    if (connectedOnce) outageStarted(undefined);
  });
  client.on('ready', () => {
    if (downSince !== undefined) {
      logger.info({ downMs: Date.now() - downSince }, 'redis connection restored');
    }
    downSince = undefined;
    connectedOnce = true;
  });

  const unavailable = (detail: string) =>
    redisError('REDIS_UNAVAILABLE', {
      detail: 'Shared state (Redis) cannot be reached; retry shortly.',
      headers: { 'retry-after': '1' },
      cause: new Error(`${name} connection to ${target}: ${detail}`),
    });

  return {
    client,
    name,
    get isReady() {
      return client.status === 'ready';
    },

    waitUntilReady() {
      if (client.status === 'ready') return Promise.resolve();
      if (closing || !['wait', 'connecting', 'connect'].includes(client.status)) {
        return Promise.reject(unavailable(`status ${client.status}`));
      }
      return new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          client.off('close', onClose);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onReady = () => {
          settle();
        };
        const onClose = () => {
          settle(unavailable('connection failed'));
        };
        // The handshake (HELLO, INFO) follows the TCP connect: give it a moment more.
        const timer = setTimeout(() => {
          settle(unavailable('connect timed out'));
        }, connectTimeoutMs + 500);
        client.once('ready', onReady);
        client.once('close', onClose);
      });
    },

    async ping(signal) {
      signal?.throwIfAborted();
      const reply = redisCall(() => client.ping());
      if (signal === undefined) {
        await reply;
        return;
      }
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => {
          reject(unavailable('ping aborted'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([reply, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort!);
      }
    },

    async close() {
      if (closing) return;
      closing = true;
      try {
        if (client.status === 'ready') await client.quit();
      } catch {
        // The connection broke while closing: nothing left to say goodbye to.
      } finally {
        if (client.status !== 'end') client.disconnect();
      }
    },
  };
}
