// The login-throttle stores, one contract: the `login_throttle` table (PGlite,
// and PostgreSQL when DATABASE_URL is set) and the key-value store (in
// process, and Redis when REDIS_URL is set). Locks grow with failures, expire,
// clear on success, and concurrent failures all count.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryKeyValueStore } from '../../src/adapters/kv/memory.ts';
import { createRedisKeyValueStore } from '../../src/adapters/kv/redis.ts';
import {
  kvThrottleStore,
  sqlThrottleStore,
  type ThrottlePolicy,
  type ThrottleStore,
} from '../../src/modules/auth/throttle.ts';
import { ENGINES } from '../support/engines.ts';
import { apiClient } from '../support/api.ts';
import {
  openConnection,
  REDIS_URL,
  redisSkip,
  removeKeys,
  uniquePrefix,
} from '../support/redis.ts';
import { startService } from '../support/start.ts';

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  open(): Promise<{ store: ThrottleStore; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  ...ENGINES.map((engine) => ({
    name: `table on ${engine.name}`,
    skip: engine.skip,
    async open() {
      const database = await engine.open();
      return { store: sqlThrottleStore(database.sql.db), close: () => database.close() };
    },
  })),
  {
    name: 'kv in process',
    skip: false,
    open() {
      const kv = createMemoryKeyValueStore();
      return Promise.resolve({ store: kvThrottleStore(kv), close: () => kv.close() });
    },
  },
  {
    name: 'kv on Redis',
    skip: redisSkip,
    async open() {
      const connection = await openConnection();
      const keyPrefix = uniquePrefix();
      const kv = createRedisKeyValueStore({ connection, keyPrefix });
      return {
        store: kvThrottleStore(kv),
        async close() {
          await removeKeys(keyPrefix);
          await kv.close();
          await connection.close();
        },
      };
    },
  },
];

const POLICY: ThrottlePolicy = {
  freeFailures: 3,
  baseLockMs: 1_000,
  maxLockMs: 4_000,
  windowMs: 60_000,
};

for (const backend of BACKENDS) {
  describe(`throttle store: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    before(async () => {
      opened = await backend.open();
    });
    after(() => opened.close());

    test('free failures, then locks that double up to the cap', async () => {
      const { store } = opened;
      const now = new Date();
      const locks: (number | undefined)[] = [];
      for (let failure = 1; failure <= 6; failure += 1) {
        const until = await store.recordFailure('account:grow@example.com', now, POLICY);
        locks.push(until === undefined ? undefined : until.getTime() - now.getTime());
      }
      assert.deepEqual(locks, [undefined, undefined, 1_000, 2_000, 4_000, 4_000]);
      const until = await store.lockedUntil('account:grow@example.com', now);
      assert.equal(until?.getTime(), now.getTime() + 4_000);
    });

    test('a lock is over once its time has passed; clear forgets the key', async () => {
      const { store } = opened;
      const now = new Date();
      for (let failure = 0; failure < 3; failure += 1) {
        await store.recordFailure('account:clear@example.com', now, POLICY);
      }
      assert.ok((await store.lockedUntil('account:clear@example.com', now)) !== undefined);
      const later = new Date(now.getTime() + 1_001);
      assert.equal(await store.lockedUntil('account:clear@example.com', later), undefined);
      await store.clear('account:clear@example.com');
      assert.equal(await store.lockedUntil('account:clear@example.com', now), undefined);
      const first = await store.recordFailure('account:clear@example.com', now, POLICY);
      assert.equal(first, undefined, 'counting starts again');
    });

    test('concurrent failures all count', async () => {
      const { store } = opened;
      const now = new Date();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.recordFailure('ip:192.0.2.7', now, POLICY)),
      );
      // Failures 3..10 each lock: 8 of them, whichever order they landed in.
      assert.equal(results.filter((until) => until !== undefined).length, 8);
    });

    test('keys are independent', async () => {
      const { store } = opened;
      const now = new Date();
      for (let failure = 0; failure < 3; failure += 1) {
        await store.recordFailure('account:a@example.com', now, POLICY);
      }
      assert.ok((await store.lockedUntil('account:a@example.com', now)) !== undefined);
      assert.equal(await store.lockedUntil('account:b@example.com', now), undefined);
    });
  });
}

describe('login lockout with Redis configured', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();
  let service: Awaited<ReturnType<typeof startService>>;

  before(async () => {
    service = await startService({
      env: { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: keyPrefix, LOGIN_MAX_FAILURES: '2' },
    });
  });
  after(async () => {
    await service.close();
    await removeKeys(keyPrefix);
  });

  test('the counters live in Redis and lock the account', async () => {
    const api = apiClient(service.url);
    const attempt = () =>
      api.call('/api/v1/auth/login', {
        method: 'POST',
        json: { email: 'nobody-redis@example.com', password: 'wrong password, twelve+' },
      });
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await attempt()).status);
    assert.deepEqual(statuses, [401, 401, 429, 429]);
    const connection = await openConnection();
    try {
      const lock = await connection.client.get(
        `${keyPrefix}throttle:account:nobody-redis@example.com:lock`,
      );
      assert.ok(lock !== null, 'the lock is a Redis key');
    } finally {
      await connection.close();
    }
  });
});
