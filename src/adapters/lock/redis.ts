// Distributed locks on Redis: one key per lock, `<prefix>lock:<name>`,
// holding the lease's token and expiring with it.
//
// Acquiring is `SET key token NX PX ttl`: it succeeds only when the key is
// absent, and Redis removes the key when the lease runs out, so an expired
// lock is free without anyone cleaning up. Extending and releasing are
// compare-and-set scripts (run atomically by Redis): they touch the key only
// while it still holds this lease's token, so a holder whose lease ran out
// and was taken over cannot prolong or delete the new holder's key.
//
// A single Redis node (or a primary with replicas) is assumed, not Redlock
// across independent nodes: a failover that loses a recent SET can let a
// second holder in, which is why work under a lock stays idempotent
// (ports/lock.ts). Each command touches one key, so it runs on a cluster.
//
// The connection belongs to whoever created it (wiring/engines.ts).

import { createHash, randomUUID } from 'node:crypto';
import {
  checkLockName,
  checkTtl,
  type AcquireOptions,
  type Lease,
  type LockManager,
} from '../../ports/lock.ts';
import { checkKeyPrefix, DEFAULT_KEY_PREFIX } from '../kv/redis.ts';
import type { RedisConnection } from '../redis/client.ts';
import { redisCall } from '../redis/errors.ts';

export interface RedisLockManagerOptions {
  readonly connection: RedisConnection;
  /** Prepended to every key. Default `throughline:`. Must not contain `{` or `}`. */
  readonly keyPrefix?: string;
}

const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const SCRIPTS = { extend: [EXTEND, sha1(EXTEND)], release: [RELEASE, sha1(RELEASE)] } as const;

export function createRedisLockManager(options: RedisLockManagerOptions): LockManager {
  const { client } = options.connection;
  const prefix = checkKeyPrefix(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const keyOf = (name: string) => `${prefix}lock:${name}`;
  let closed = false;

  const run = <T>(call: () => Promise<T>): Promise<T> =>
    redisCall(() => {
      if (closed) throw new Error('the lock manager is closed');
      return call();
    });

  /** EVALSHA, falling back to EVAL the first time a server has not seen the script. */
  const script = async (
    which: keyof typeof SCRIPTS,
    key: string,
    ...args: (string | number)[]
  ): Promise<number> => {
    const [text, sha] = SCRIPTS[which];
    try {
      return Number(await client.evalsha(sha, 1, key, ...args));
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return Number(await client.eval(text, 1, key, ...args));
    }
  };

  const leaseOf = (name: string, token: string): Lease => ({
    name,
    token,
    extend: (ttlMs) =>
      run(async () => (await script('extend', keyOf(name), token, checkTtl(ttlMs))) === 1),
    release: () =>
      run(async () => {
        await script('release', keyOf(name), token);
      }),
  });

  return {
    acquire: (name: string, { ttlMs }: AcquireOptions) =>
      run(async () => {
        const key = keyOf(checkLockName(name));
        const token = randomUUID();
        const reply = await client.set(key, token, 'PX', checkTtl(ttlMs), 'NX');
        return reply === 'OK' ? leaseOf(name, token) : undefined;
      }),

    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
