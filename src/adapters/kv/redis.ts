// The key-value port on Redis: state shared by every instance of the service.
//
// Key naming: every key is `<prefix><key>` with the prefix `throughline:` by
// default, so several services (or a staging and a review instance) can share
// one Redis without colliding, and `SCAN MATCH throughline:*` finds ours.
//
// Cluster-ready: each command touches exactly one key, so it is valid on a
// Redis Cluster whatever slots the keys hash to. `getMany` and `delete` send
// one GET/DEL per key (written back to back on the connection: one round
// trip, not N) instead of MGET/DEL with many keys, which a cluster refuses
// when the keys live in different slots (CROSSSLOT). Code that needs several
// keys in one atomic step puts a hash tag in them (`cache:{product:42}:v1`,
// `cache:{product:42}:v2`): only the part in the first `{…}` is hashed, and the
// prefix has no braces, so tagged keys keep landing in one slot.
//
// The connection belongs to whoever created it (wiring/engines.ts):
// `close` releases the adapter, not the connection another adapter may use.

import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../../ports/kv.ts';
import type { RedisConnection } from '../redis/client.ts';
import { redisCall } from '../redis/errors.ts';
import { incrementStep, ttlMillis } from './arguments.ts';

export interface RedisKeyValueStoreOptions {
  readonly connection: RedisConnection;
  /** Prepended to every key. Default `throughline:`. Must not contain `{` or `}`. */
  readonly keyPrefix?: string;
}

export const DEFAULT_KEY_PREFIX = 'throughline:';

/** Refuses a prefix that would take part in cluster hash-slot selection. */
export function checkKeyPrefix(prefix: string): string {
  if (/[{}\s]/.test(prefix)) {
    throw new RangeError(`key prefix must not contain braces or whitespace: "${prefix}"`);
  }
  return prefix;
}

/**
 * INCRBY, and PEXPIRE only when this call created the key: one script, so
 * no other client can see the key without its TTL, and a crash between the
 * two steps cannot leave a counter that never expires.
 */
const INCREMENT_WITH_TTL = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;
const INCREMENT_WITH_TTL_SHA = createHash('sha1').update(INCREMENT_WITH_TTL).digest('hex');

export function createRedisKeyValueStore(options: RedisKeyValueStoreOptions): KeyValueStore {
  const { client } = options.connection;
  const prefix = checkKeyPrefix(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const named = (key: string) => `${prefix}${key}`;
  let closed = false;

  /** One Redis call: rejects when closed, connection failures as REDIS_UNAVAILABLE. */
  const run = <T>(call: () => Promise<T>): Promise<T> =>
    redisCall(() => {
      if (closed) throw new Error('the key-value store is closed');
      return call();
    });

  /** EVALSHA, falling back to EVAL the first time a server has not seen the script. */
  const incrementWithTtl = async (key: string, by: number, ttl: number): Promise<unknown> => {
    try {
      return await client.evalsha(INCREMENT_WITH_TTL_SHA, 1, key, by, ttl);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(INCREMENT_WITH_TTL, 1, key, by, ttl);
    }
  };

  return {
    get: (key) => run(async () => (await client.get(named(key))) ?? undefined),

    getMany: (keys) =>
      run(async () => {
        const values = await Promise.all(keys.map((key) => client.get(named(key))));
        return values.map((value) => value ?? undefined);
      }),

    set: (key, value, setOptions = {}) =>
      run(async () => {
        if (setOptions.ttlMs === undefined) await client.set(named(key), value);
        else await client.set(named(key), value, 'PX', ttlMillis(setOptions.ttlMs));
      }),

    setIfAbsent: (key, value, { ttlMs }) =>
      run(async () => {
        const reply = await client.set(named(key), value, 'PX', ttlMillis(ttlMs), 'NX');
        return reply === 'OK';
      }),

    delete: (keys) =>
      run(async () => {
        const removed = await Promise.all(keys.map((key) => client.del(named(key))));
        return removed.reduce((sum, count) => sum + count, 0);
      }),

    increment: (key, by = 1, incrementOptions = {}) =>
      run(async () => {
        const step = incrementStep(by);
        if (incrementOptions.ttlMs === undefined) return client.incrby(named(key), step);
        const reply = await incrementWithTtl(named(key), step, ttlMillis(incrementOptions.ttlMs));
        return Number(reply);
      }),

    ttlMs: (key) =>
      run(async () => {
        // -2: no such key; -1: no expiry.
        const remaining = await client.pttl(named(key));
        return remaining < 0 ? undefined : remaining;
      }),

    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
