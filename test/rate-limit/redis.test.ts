// The Redis limiter against the RateLimiter contract (when REDIS_URL is set),
// plus what only it promises: keys expire once idle, the scripts survive a
// server that has never seen them (NOSCRIPT → EVAL), and several connections
// — as several instances would hold — share one limit.
//
// The server is shared with other test processes: every suite works under its
// own random key prefix and deletes only its own keys.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createRedisRateLimiter } from '../../src/adapters/rate-limiter/redis.ts';
import type { RedisConnection } from '../../src/adapters/redis/client.ts';
import { eventually } from '../support/eventually.ts';
import { runRateLimiterContract } from '../../src/ports/rate-limiter.contract.ts';
import type { RateLimitPolicy } from '../../src/ports/rate-limiter.ts';
import {
  openConnection,
  redisSkip as skip,
  removeKeys,
  startPrivateRedis,
  uniquePrefix,
} from '../support/redis.ts';

if (skip === false) {
  runRateLimiterContract('redis', async () => {
    const keyPrefix = uniquePrefix();
    const connections = await Promise.all([1, 2, 3, 4].map(() => openConnection()));
    const peers = connections.map((connection) =>
      createRedisRateLimiter({ connection, keyPrefix }),
    );
    const main = connections[0]!;
    return {
      limiter: peers[0]!,
      peers,
      exactClock: false,
      async now() {
        const [seconds, micros] = await main.client.time();
        return Number(seconds) * 1000 + Number(micros) / 1000;
      },
      elapse: (ms) => delay(ms),
      async close() {
        await Promise.all(connections.map((connection) => connection.close()));
        await removeKeys(keyPrefix);
      },
    };
  });
} else {
  test('RateLimiter contract: redis', { skip }, () => {});
}

describe('redis limiter', { skip }, () => {
  let connection: RedisConnection;
  const keyPrefix = uniquePrefix();

  before(async () => {
    connection = await openConnection();
  });

  after(async () => {
    await connection.close();
    await removeKeys(keyPrefix);
  });

  test('every key carries a TTL no longer than its state lasts, and vanishes when idle', async () => {
    const limiter = createRedisRateLimiter({ connection, keyPrefix });
    const bucket: RateLimitPolicy = {
      name: 'ttl',
      algorithm: 'token-bucket',
      limit: 4,
      windowMs: 400,
    };
    const window: RateLimitPolicy = { ...bucket, name: 'ttl-window', algorithm: 'sliding-window' };
    const bucketDecision = await limiter.consume('k', bucket, 2);
    const windowDecision = await limiter.consume('k', window, 2);

    const bucketKey = `${keyPrefix}ttl:tb:k`;
    const windowKey = `${keyPrefix}ttl-window:sw:k`;
    const bucketTtl = await connection.client.pttl(bucketKey);
    const windowTtl = await connection.client.pttl(windowKey);
    assert.ok(bucketTtl > 0 && bucketTtl <= bucketDecision.resetMs, `${bucketTtl}`);
    assert.ok(windowTtl > 0 && windowTtl <= windowDecision.resetMs, `${windowTtl}`);

    // Both expire on their own (TTLs of at most 800 ms).
    await eventually(
      'both keys expired',
      async () => (await connection.client.exists(bucketKey, windowKey)) === 0,
    );
  });

  test('connections (instances) sharing a prefix share the limit; other prefixes do not', async () => {
    const second = await openConnection();
    try {
      const policy: RateLimitPolicy = {
        name: 'shared',
        algorithm: 'token-bucket',
        limit: 3,
        windowMs: 60_000,
      };
      const one = createRedisRateLimiter({ connection, keyPrefix });
      const two = createRedisRateLimiter({ connection: second, keyPrefix });
      const elsewhere = createRedisRateLimiter({ connection: second, keyPrefix: `${keyPrefix}x:` });
      assert.equal((await one.consume('k', policy, 2)).remaining, 1);
      assert.equal((await two.consume('k', policy)).remaining, 0);
      assert.equal((await one.consume('k', policy)).allowed, false);
      assert.equal((await elsewhere.consume('k', policy)).remaining, 2);
    } finally {
      await second.close();
    }
  });

  test('a closed limiter rejects; a prefix with braces is refused', async () => {
    const limiter = createRedisRateLimiter({ connection, keyPrefix });
    await limiter.close?.();
    const policy: RateLimitPolicy = {
      name: 'closed',
      algorithm: 'token-bucket',
      limit: 1,
      windowMs: 1000,
    };
    await assert.rejects(limiter.consume('k', policy), /the rate limiter is closed/);
    assert.throws(() => createRedisRateLimiter({ connection, keyPrefix: '{tag}:' }), RangeError);
  });
});

describe('redis limiter on a server that has never seen its scripts', { skip }, () => {
  test('NOSCRIPT falls back to EVAL once; EVALSHA works from then on', async (t) => {
    const server = await startPrivateRedis();
    if (server === undefined) {
      t.skip('redis-server is not installed');
      return;
    }
    const connection = await openConnection({ url: server.url });
    try {
      const commands: string[] = [];
      const { client } = connection;
      const evalsha = client.evalsha.bind(client);
      const evalScript = client.eval.bind(client);
      // Observe (not replace) which commands the adapter sends.
      client.evalsha = ((...args: Parameters<typeof evalsha>) => {
        commands.push('evalsha');
        return evalsha(...args);
      }) as typeof client.evalsha;
      client.eval = ((...args: Parameters<typeof evalScript>) => {
        commands.push('eval');
        return evalScript(...args);
      }) as typeof client.eval;

      const limiter = createRedisRateLimiter({ connection });
      const policy: RateLimitPolicy = {
        name: 'fresh',
        algorithm: 'sliding-window',
        limit: 2,
        windowMs: 60_000,
      };
      assert.equal((await limiter.consume('k', policy)).remaining, 1);
      assert.equal((await limiter.consume('k', policy)).remaining, 0);
      assert.deepEqual(commands, ['evalsha', 'eval', 'evalsha']);

      await client.script('FLUSH'); // our own server: nobody else is using it
      assert.equal((await limiter.consume('k', policy)).allowed, false);
      assert.deepEqual(commands.slice(3), ['evalsha', 'eval']);
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
