// The Redis store against the KeyValueStore contract (when REDIS_URL is set),
// with a second store on its own connection as the peer; then what only Redis
// has: keys under the configured prefix, and an outage — a TCP proxy the test
// cuts and stalls — during which calls reject promptly with REDIS_UNAVAILABLE,
// logged once, and after which the same store works again by itself.
//
// The server is shared with other test processes: every suite works under its
// own random prefix and deletes only its own keys.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisKeyValueStore } from '../../src/adapters/kv/redis.ts';
import { createRedisConnection, type RedisConnection } from '../../src/adapters/redis/client.ts';
import { isRedisUnavailable } from '../../src/adapters/redis/errors.ts';
import { eventually } from '../support/eventually.ts';
import { runKeyValueContract } from '../../src/ports/kv.contract.ts';
import type { KeyValueStore } from '../../src/ports/kv.ts';
import {
  openConnection,
  redisSkip,
  redisTarget,
  redisUrlVia,
  removeKeys,
  startPrivateRedis,
  uniquePrefix,
} from '../support/redis.ts';
import { captureLogger } from '../support/start.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

if (redisSkip === false) {
  const keyPrefix = uniquePrefix();
  const openStore = async () => {
    const connection = await openConnection();
    return {
      kv: createRedisKeyValueStore({ connection, keyPrefix }),
      close: () => connection.close(),
    };
  };
  runKeyValueContract(
    'redis',
    async () => {
      const opened = await openStore();
      return {
        kv: opened.kv,
        async close() {
          await opened.close();
          await removeKeys(keyPrefix);
        },
      };
    },
    { openPeer: openStore },
  );
} else {
  test('KeyValueStore contract: redis', { skip: redisSkip }, () => {});
}

/** How long a call may take to fail while Redis is away: well under a request's patience. */
const PROMPT_MS = 1_500;

async function rejectsPromptly(call: Promise<unknown>): Promise<void> {
  const started = performance.now();
  await assert.rejects(call, (error) => {
    assert.ok(isRedisUnavailable(error), `expected REDIS_UNAVAILABLE, got ${String(error)}`);
    return true;
  });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < PROMPT_MS, `took ${Math.round(elapsed)} ms to fail`);
}

describe('Redis key-value store', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();
  let connection: RedisConnection;
  let kv: KeyValueStore;

  before(async () => {
    connection = await openConnection();
    kv = createRedisKeyValueStore({ connection, keyPrefix });
  });
  after(async () => {
    await connection.close();
    await removeKeys(keyPrefix);
  });

  test('stores every key under the prefix, nothing outside it', async () => {
    await kv.set('cache:product:42', 'v1', { ttlMs: 60_000 });
    await kv.increment('rl:ip:1', 1, { ttlMs: 60_000 });
    assert.equal(await connection.client.get(`${keyPrefix}cache:product:42`), 'v1');
    assert.equal(await connection.client.get(`${keyPrefix}rl:ip:1`), '1');
    assert.equal(await connection.client.exists('cache:product:42'), 0);
    // A second service on the same Redis, with its own prefix, sees none of it.
    const other = createRedisKeyValueStore({ connection, keyPrefix: uniquePrefix() });
    assert.equal(await other.get('cache:product:42'), undefined);
  });

  test('keeps hash tags in keys intact: tagged keys share a cluster slot', async () => {
    await kv.set('cache:{product:7}:a', '1');
    await kv.set('cache:{product:7}:b', '2');
    const [slotA, slotB] = await Promise.all([
      connection.client.cluster('KEYSLOT', `${keyPrefix}cache:{product:7}:a`),
      connection.client.cluster('KEYSLOT', `${keyPrefix}cache:{product:7}:b`),
    ]).catch(() => [undefined, undefined]);
    // CLUSTER KEYSLOT answers on standalone servers too (Redis 7); skip the check where it does not.
    if (slotA !== undefined) assert.equal(slotA, slotB);
    assert.deepEqual(await kv.getMany(['cache:{product:7}:a', 'cache:{product:7}:b']), ['1', '2']);
  });

  test('refuses a prefix that would take part in hash-slot selection', () => {
    assert.throws(
      () => createRedisKeyValueStore({ connection, keyPrefix: 'app:{x}:' }),
      RangeError,
    );
  });

  test('runs the increment script on a server that has not cached it (NOSCRIPT)', async (t) => {
    // SCRIPT FLUSH on the shared server would disturb other processes: a private one.
    const server = await startPrivateRedis();
    if (server === undefined) {
      t.skip('redis-server is not installed');
      return;
    }
    const privateConnection = await openConnection({ url: server.url });
    try {
      const store = createRedisKeyValueStore({ connection: privateConnection });
      assert.equal(await store.increment('after-flush', 2, { ttlMs: 60_000 }), 2);
      await privateConnection.client.script('FLUSH');
      assert.equal(await store.increment('after-flush', 2, { ttlMs: 60_000 }), 4);
      assert.equal(await store.increment('fresh', 1, { ttlMs: 60_000 }), 1);
      const remaining = await store.ttlMs('fresh');
      assert.ok(remaining !== undefined && remaining <= 60_000);
    } finally {
      await privateConnection.close();
      await server.stop();
    }
  });
});

describe('Redis outages', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();
  let proxy: TcpProxy;

  before(async () => {
    proxy = await startTcpProxy(redisTarget());
  });
  after(async () => {
    await proxy.close();
    await removeKeys(keyPrefix);
  });

  test('calls reject promptly while Redis is unreachable, logged once; the store recovers', async () => {
    const { logger, records } = captureLogger();
    const connection = createRedisConnection({
      url: redisUrlVia(proxy.port),
      logger,
      name: 'outage',
    });
    try {
      await connection.waitUntilReady();
      const kv = createRedisKeyValueStore({ connection, keyPrefix });
      await kv.set('k', 'before');

      proxy.cut();
      await eventually('the client notices', () => !connection.isReady);
      for (let attempt = 0; attempt < 20; attempt += 1) await rejectsPromptly(kv.get('k'));
      await rejectsPromptly(kv.set('k', 'during'));
      await rejectsPromptly(kv.increment('n', 1, { ttlMs: 60_000 }));
      await rejectsPromptly(connection.ping());
      await assert.rejects(connection.waitUntilReady(), (error) => isRedisUnavailable(error));

      proxy.restore();
      await eventually('the store works again', async () => {
        try {
          return (await kv.get('k')) === 'before';
        } catch {
          return false;
        }
      });
      await connection.ping();

      const errors = records.filter((record) => record.level === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!.msg, /redis connection lost/);
      assert.equal(errors[0]!.connection, 'outage');
      assert.equal(records.filter((record) => /restored/.test(record.msg)).length, 1);
    } finally {
      proxy.restore();
      await connection.close();
    }
  });

  test('a server that stops answering fails calls after the command timeout, then recovers', async () => {
    const { logger } = captureLogger();
    const connection = createRedisConnection({
      url: redisUrlVia(proxy.port),
      logger,
      name: 'stall',
      commandTimeoutMs: 300,
    });
    try {
      await connection.waitUntilReady();
      const kv = createRedisKeyValueStore({ connection, keyPrefix });
      await kv.set('s', 'before');

      proxy.stall();
      await rejectsPromptly(kv.get('s'));
      // The silent socket was dropped: the next calls fail at once, not after another timeout.
      await eventually('the dead connection is dropped', () => !connection.isReady);
      const started = performance.now();
      await assert.rejects(kv.get('s'), (error) => isRedisUnavailable(error));
      assert.ok(performance.now() - started < 100, 'a call on a known-dead connection waited');

      proxy.restore();
      await eventually('the store works again', async () => {
        try {
          return (await kv.get('s')) === 'before';
        } catch {
          return false;
        }
      });
    } finally {
      proxy.restore();
      await connection.close();
    }
  });

  test('a Redis that is down at start-up: calls reject at once, and it connects when it is up', async () => {
    proxy.cut();
    const { logger, records } = captureLogger();
    const connection = createRedisConnection({
      url: redisUrlVia(proxy.port),
      logger,
      name: 'late',
    });
    try {
      await assert.rejects(connection.waitUntilReady(), (error) => isRedisUnavailable(error));
      const kv = createRedisKeyValueStore({ connection, keyPrefix });
      await rejectsPromptly(kv.get('late'));
      assert.equal(records.filter((record) => record.level === 'error').length, 1);
      assert.match(records.find((record) => record.level === 'error')!.msg, /redis unreachable/);

      proxy.restore();
      await eventually('connected', () => connection.isReady, { timeoutMs: 10_000 });
      assert.equal(await kv.get('late'), undefined);
    } finally {
      proxy.restore();
      await connection.close();
    }
  });

  test('log lines name the server, never its password', async () => {
    const { logger, records } = captureLogger();
    proxy.cut();
    const url = redisUrlVia(proxy.port).replace('redis://', 'redis://app:hunter2@');
    const connection = createRedisConnection({ url, logger, name: 'secret' });
    try {
      await assert.rejects(connection.waitUntilReady());
      await eventually('the outage is logged', () => records.some((r) => r.level === 'error'));
      const text = JSON.stringify(records);
      assert.doesNotMatch(text, /hunter2/);
      assert.match(text, new RegExp(`127\\.0\\.0\\.1:${proxy.port}`));
    } finally {
      proxy.restore();
      await connection.close();
    }
  });
});
