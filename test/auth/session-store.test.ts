// Both session stores against the SessionStore contract: SQL on PGlite (and
// on PostgreSQL with DATABASE_URL), the key-value store in process (and on
// Redis with REDIS_URL). Then what only the key-value store has to show: its
// entries expire by themselves, a lost generation counter ends sessions
// rather than reviving any, and a value it cannot read is no session.

import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { createMemoryKeyValueStore } from '../../src/adapters/kv/memory.ts';
import { createRedisKeyValueStore } from '../../src/adapters/kv/redis.ts';
import {
  createKvSessionStore,
  GENERATION_EPOCH_MS,
  kvSessionKeys,
} from '../../src/modules/auth/kv-session-store.ts';
import type { Role } from '../../src/modules/users/rbac.ts';
import { createSqlSessionStore } from '../../src/modules/auth/session-repo.ts';
import {
  runSessionStoreContract,
  type SessionStoreUnderTest,
} from '../../src/modules/auth/session-store.contract.ts';
import { insertUser, softDeleteUser } from '../../src/modules/users/repo.ts';
import { eventually } from '../support/eventually.ts';
import type { KeyValueStore } from '../../src/ports/kv.ts';
import { ENGINES } from '../support/engines.ts';
import { openConnection, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';

for (const engine of ENGINES) {
  if (engine.skip !== false) {
    test(`SessionStore contract: sql on ${engine.name}`, { skip: engine.skip }, () => {});
    continue;
  }
  runSessionStoreContract(`sql on ${engine.name}`, async (options) => {
    const database = await engine.open();
    const { db } = database.sql;
    return {
      store: createSqlSessionStore(database.sql, options),
      async addUser(role) {
        const user = await insertUser(db, {
          email: `session-store-${randomUUID()}@example.com`,
          passwordHash: 'not a hash: this user never signs in',
          displayName: '',
        });
        await db.updateTable('users').set({ role }).where('id', '=', user.id).execute();
        return user.id;
      },
      async deleteUser(userId) {
        await softDeleteUser(db, userId);
      },
      close: () => database.close(),
    };
  });
}

/** The key-value store over `kv`, with users kept in a map (the role source). */
function kvUnderTest(
  kv: KeyValueStore,
  idleSeconds: number,
  close: () => Promise<void>,
): SessionStoreUnderTest & { readonly kv: KeyValueStore } {
  const roles = new Map<string, Role>();
  let nextId = 1;
  return {
    kv,
    store: createKvSessionStore({
      kv,
      idleSeconds,
      roleOf: (userId) => Promise.resolve(roles.get(userId)),
    }),
    addUser(role) {
      const id = String(nextId++);
      roles.set(id, role);
      return Promise.resolve(id);
    },
    deleteUser(userId) {
      roles.delete(userId);
      return Promise.resolve();
    },
    close,
  };
}

const openMemory = (idleSeconds: number) => {
  const kv = createMemoryKeyValueStore();
  return Promise.resolve(kvUnderTest(kv, idleSeconds, () => kv.close()));
};

const openRedis = async (idleSeconds: number) => {
  const keyPrefix = uniquePrefix();
  const connection = await openConnection();
  const kv = createRedisKeyValueStore({ connection, keyPrefix });
  return kvUnderTest(kv, idleSeconds, async () => {
    await kv.close();
    await connection.close();
    await removeKeys(keyPrefix);
  });
};

runSessionStoreContract('key-value in process', (options) => openMemory(options.idleSeconds));
if (redisSkip === false) {
  runSessionStoreContract('key-value on redis', (options) => openRedis(options.idleSeconds));
} else {
  test('SessionStore contract: key-value on redis', { skip: redisSkip }, () => {});
}

/** `kv` with writes to `keys` held back between `hold()` and `release()`, to stage a race. */
function holdingWrites(kv: KeyValueStore, keys: readonly string[]) {
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const state = {
    held: 0,
    hold() {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = undefined;
      open();
    },
    kv: {
      get: (key) => kv.get(key),
      getMany: (many) => kv.getMany(many),
      async set(key, value, options) {
        if (gate !== undefined && keys.includes(key)) {
          state.held += 1;
          await gate;
        }
        await kv.set(key, value, options);
      },
      setIfAbsent: (key, value, options) => kv.setIfAbsent(key, value, options),
      delete: (many) => kv.delete(many),
      increment: (key, by, options) => kv.increment(key, by, options),
      ttlMs: (key) => kv.ttlMs(key),
      close: () => Promise.resolve(),
    } satisfies KeyValueStore,
  };
  return state;
}

const KV_LEGS = [
  { name: 'in process', skip: false as const, open: openMemory },
  { name: 'on redis', skip: redisSkip, open: openRedis },
];

for (const leg of KV_LEGS) {
  describe(`key-value session store ${leg.name}`, { skip: leg.skip }, () => {
    const newSession = (userId: string, lifetimeMs = 86_400_000) => {
      const createdAt = new Date();
      return {
        id: randomUUID(),
        userId,
        tokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
        createdAt,
        expiresAt: new Date(createdAt.getTime() + lifetimeMs),
        ip: '203.0.113.9',
        userAgent: undefined,
      };
    };

    test('entries expire by themselves: the session when idle, the pointer when absolute', async () => {
      const under = await leg.open(0.2);
      try {
        const session = newSession(await under.addUser('customer'), 60_000);
        await under.store.insert(session);
        const pointerTtl = await under.kv.ttlMs(kvSessionKeys.pointer(session.id));
        assert.ok(pointerTtl !== undefined && pointerTtl > 50_000 && pointerTtl <= 60_000);
        await eventually('the idle session is gone from the store', async () => {
          return (await under.kv.get(kvSessionKeys.token(session.tokenHash))) === undefined;
        });
        assert.equal(await under.store.find(session.tokenHash, new Date()), undefined);
      } finally {
        await under.close();
      }
    });

    test('a touch moves the session’s TTL on to the idle timeout', async () => {
      const under = await leg.open(600);
      try {
        const session = newSession(await under.addUser('customer'));
        await under.store.insert(session);
        const found = await under.store.find(session.tokenHash, new Date());
        assert.ok(found);
        const at = new Date(session.createdAt.getTime() + 300_000);
        await under.store.touch(found, at);
        const ttl = await under.kv.ttlMs(kvSessionKeys.token(session.tokenHash));
        // 600 s from `at`, which is 300 s ahead of the store's clock.
        assert.ok(ttl !== undefined && ttl > 590_000 && ttl <= 600_000, String(ttl));
      } finally {
        await under.close();
      }
    });

    test('a lost generation counter ends the user’s sessions and revives none', async () => {
      const under = await leg.open(3600);
      try {
        const userId = await under.addUser('customer');
        const [ended, kept] = [newSession(userId), newSession(userId)];
        await under.store.insert(ended);
        await under.store.insert(kept);
        await under.store.revokeAllOfUser(userId, new Date(), { exceptSessionId: kept.id });
        assert.ok(await under.store.find(kept.tokenHash, new Date()));

        // As an eviction or a restart without persistence would.
        const epoch = Math.floor(Date.now() / GENERATION_EPOCH_MS);
        await under.kv.delete([
          kvSessionKeys.generation(userId, epoch),
          kvSessionKeys.generation(userId, epoch - 1),
        ]);
        assert.equal(await under.store.find(kept.tokenHash, new Date()), undefined);

        const later = newSession(userId);
        await under.store.insert(later);
        assert.ok(await under.store.find(later.tokenHash, new Date()));
        assert.equal(await under.store.find(ended.tokenHash, new Date()), undefined);
        assert.equal(await under.store.find(kept.tokenHash, new Date()), undefined);
      } finally {
        await under.close();
      }
    });

    test('a sign-out stays final when a touch and a re-stamp both straddle it', async () => {
      const under = await leg.open(3600);
      try {
        const userId = await under.addUser('customer');
        const session = newSession(userId);
        const gated = holdingWrites(under.kv, [
          kvSessionKeys.token(session.tokenHash),
          kvSessionKeys.pointer(session.id),
        ]);
        const store = createKvSessionStore({
          kv: gated.kv,
          idleSeconds: 3600,
          roleOf: () => Promise.resolve('customer'),
        });
        await under.store.insert(session);
        const found = await store.find(session.tokenHash, new Date());
        assert.ok(found);
        gated.hold();
        // Both read the session before the sign-out and write it back after.
        const touching = store.touch(found, new Date(Date.now() + 120_000));
        const keeping = store.revokeAllOfUser(userId, new Date(), { exceptSessionId: session.id });
        await eventually('both writes are held', () => gated.held === 2);
        await store.revoke(session.id, new Date());
        gated.release();
        await Promise.all([touching, keeping]);
        assert.ok(await under.kv.get(kvSessionKeys.pointer(session.id)), 'the race did happen');
        assert.equal(
          await store.find(session.tokenHash, new Date(Date.now() + 180_000)),
          undefined,
        );
      } finally {
        await under.close();
      }
    });

    test('a value it cannot read is no session (not an error)', async () => {
      const under = await leg.open(3600);
      try {
        const session = newSession(await under.addUser('customer'));
        await under.store.insert(session);
        await under.kv.set(kvSessionKeys.token(session.tokenHash), '{"v":2}', { ttlMs: 60_000 });
        assert.equal(await under.store.find(session.tokenHash, new Date()), undefined);
        await under.kv.set(kvSessionKeys.token(session.tokenHash), 'not json', { ttlMs: 60_000 });
        assert.equal(await under.store.find(session.tokenHash, new Date()), undefined);
      } finally {
        await under.close();
      }
    });

    test('refuses a session longer than a generation epoch', async () => {
      const under = await leg.open(3600);
      try {
        const session = newSession(await under.addUser('customer'), GENERATION_EPOCH_MS + 1);
        await assert.rejects(under.store.insert(session), RangeError);
      } finally {
        await under.close();
      }
    });
  });
}
