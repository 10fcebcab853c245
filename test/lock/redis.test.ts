// The Redis lock manager against the LockManager contract (when REDIS_URL is
// set), the peer on a connection of its own; then that its keys lie under the
// prefix and expire with the lease.
//
// The server is shared with other test processes: every suite works under its
// own random prefix and deletes only its own keys.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisLockManager } from '../../src/adapters/lock/redis.ts';
import type { RedisConnection } from '../../src/adapters/redis/client.ts';
import { runLockContract } from '../../src/ports/lock.contract.ts';
import { openConnection, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';

if (redisSkip === false) {
  const keyPrefix = uniquePrefix();
  runLockContract('redis', async () => {
    const connection = await openConnection();
    const peerConnection = await openConnection({ name: 'peer' });
    return {
      locks: createRedisLockManager({ connection, keyPrefix }),
      peer: createRedisLockManager({ connection: peerConnection, keyPrefix }),
      async expire(name) {
        await connection.client.del(`${keyPrefix}lock:${name}`);
      },
      async close() {
        await Promise.all([connection.close(), peerConnection.close()]);
        await removeKeys(keyPrefix);
      },
    };
  });
} else {
  test('LockManager contract: redis', { skip: redisSkip }, () => {});
}

describe('Redis lock manager', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();
  let connection: RedisConnection;

  before(async () => {
    connection = await openConnection();
  });
  after(async () => {
    await connection.close();
    await removeKeys(keyPrefix);
  });

  test('keeps the lease token under <prefix>lock:<name>, expiring with the lease', async () => {
    const locks = createRedisLockManager({ connection, keyPrefix });
    const lease = await locks.acquire('nightly.report', { ttlMs: 30_000 });
    assert.ok(lease);
    const key = `${keyPrefix}lock:nightly.report`;
    assert.equal(await connection.client.get(key), lease.token);
    const remaining = await connection.client.pttl(key);
    assert.ok(remaining > 25_000 && remaining <= 30_000, `${remaining}`);
    assert.equal(await lease.extend(90_000), true);
    assert.ok((await connection.client.pttl(key)) > 60_000);
    await lease.release();
    assert.equal(await connection.client.exists(key), 0);
  });

  test('calls fail once the manager is closed', async () => {
    const locks = createRedisLockManager({ connection, keyPrefix });
    await locks.close();
    await assert.rejects(locks.acquire('closed', { ttlMs: 1000 }), /closed/);
  });
});
