// Shared state for the modules that need more than the database: a
// key-value store (cache entries, locks, counters) and pub/sub (hints between
// instances), built from config.
//
// Without REDIS_URL both are in-process: nothing to install, right for one
// instance. With it both move to Redis, so every instance sees the same
// entries and hears the same messages: two connections, one for commands
// (the key-value store and publishing) and one reserved for subscriptions.
// Either way they are closed on shutdown; on Redis, /readyz also reports
// both connections — without failing readiness over them, since the features
// on Redis degrade rather than stop. (The rate limiter opens its own
// connection: src/rate-limits.ts.)

import { createMemoryKeyValueStore } from '../adapters/kv/memory.ts';
import { createRedisKeyValueStore } from '../adapters/kv/redis.ts';
import { createMemoryPubSub } from '../adapters/pubsub/memory.ts';
import { createRedisPubSub } from '../adapters/pubsub/redis.ts';
import { createRedisConnection, type RedisConnection } from '../adapters/redis/client.ts';
import type { ReadinessChecks } from '../modules/health/readiness.ts';
import type { KeyValueStore } from '../ports/kv.ts';
import type { PubSub } from '../ports/pubsub.ts';
import type { Config } from './config.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export interface SharedRedis {
  /** Commands: the key-value store and publishing. */
  readonly commands: RedisConnection;
  /** Reserved for pub/sub subscriptions. */
  readonly subscriber: RedisConnection;
  /** What every key and channel is prefixed with (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
}

export interface SharedState {
  readonly kv: KeyValueStore;
  readonly pubsub: PubSub;
  /** Present when REDIS_URL is set: the connections behind `kv` and `pubsub`. */
  readonly redis?: SharedRedis;
  /**
   * Waits (boundedly) for the Redis connections at start-up; true when they
   * are up. Redis being down is not fatal: calls fail fast until it is back,
   * and readiness says so meanwhile. Always true in process.
   */
  connected(): Promise<boolean>;
}

export interface SharedStateDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly readiness: ReadinessChecks;
}

export function createSharedState(config: Config, deps: SharedStateDeps): SharedState {
  const { logger, lifecycle } = deps;
  const url = config.redis.url;
  if (url === undefined) {
    const kv = createMemoryKeyValueStore({
      maxEntries: config.kv.memoryMaxEntries,
      maxBytes: config.kv.memoryMaxBytes,
    });
    const pubsub = createMemoryPubSub({ logger });
    lifecycle.add({
      name: 'shared state',
      async close() {
        await pubsub.close();
        await kv.close();
      },
    });
    return { kv, pubsub, connected: () => Promise.resolve(true) };
  }

  const connection = (name: string) =>
    createRedisConnection({
      url,
      logger,
      name,
      connectTimeoutMs: config.redis.connectTimeoutMs,
      commandTimeoutMs: config.redis.commandTimeoutMs,
    });
  const keyPrefix = config.redis.keyPrefix;
  const redis: SharedRedis = {
    commands: connection('commands'),
    subscriber: connection('subscriber'),
    keyPrefix,
  };
  const kv = createRedisKeyValueStore({ connection: redis.commands, keyPrefix });
  const pubsub = createRedisPubSub({
    publisher: redis.commands,
    subscriber: redis.subscriber,
    channelPrefix: keyPrefix,
    logger,
  });
  lifecycle.add({
    name: 'shared state (redis)',
    async close() {
      await pubsub.close();
      await kv.close();
      await Promise.all([redis.subscriber.close(), redis.commands.close()]);
    },
  });
  // Reported in /readyz, but not gating: the features on Redis degrade
  // without it (docs/operations.md, "When Redis is down").
  deps.readiness.add(
    'redis',
    async (signal) => {
      await redis.commands.ping(signal);
      if (!redis.subscriber.isReady) throw new Error('the pub/sub connection is down');
    },
    { gating: false },
  );
  return {
    kv,
    pubsub,
    redis,
    async connected() {
      try {
        await Promise.all([redis.commands.waitUntilReady(), redis.subscriber.waitUntilReady()]);
        return true;
      } catch {
        // The connection logged why; it keeps retrying in the background.
        return false;
      }
    },
  };
}
