// The BullMQ job queue against the JobQueue contract (when REDIS_URL is set),
// then what only it shows: every key it writes lies under its prefix.
//
// The Redis server is shared with other test processes: each suite uses a
// prefix of its own, and removes its keys when it ends (never FLUSHDB).

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createBullmqQueue } from '../../src/adapters/queue/bullmq.ts';
import { eventually } from '../support/eventually.ts';
import { LEASE_MS, runQueueContract } from '../../src/ports/queue.contract.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import { silentLogger } from '../support/start.ts';

const open = (prefix: string) =>
  createBullmqQueue({
    url: REDIS_URL!,
    prefix,
    logger: silentLogger(),
    leaseMs: LEASE_MS,
    stalledIntervalMs: LEASE_MS / 2,
  });

if (redisSkip === false) {
  const prefix = `${uniquePrefix()}jobs`;
  runQueueContract('bullmq', () =>
    Promise.resolve({
      open: () => {
        const queue = open(prefix);
        return Promise.resolve({ queue, crash: () => queue.abandon() });
      },
      close: async () => {
        await removeKeys(prefix);
      },
    }),
  );
} else {
  test('JobQueue contract: bullmq', { skip: redisSkip }, () => {});
}

describe('BullMQ job queue', { skip: redisSkip }, () => {
  test('keeps every key under its prefix', async () => {
    const base = uniquePrefix();
    const prefix = `${base}jobs`;
    const queue = open(prefix);
    const client = new Redis(REDIS_URL!);
    try {
      const name = `prefix-${randomUUID().slice(0, 8)}.send`;
      const handled: string[] = [];
      queue.process(name, (job) => {
        handled.push(job.id);
        return Promise.resolve();
      });
      const id = await queue.enqueue(name, { to: 'a@example.com' }, { idempotencyKey: 'k' });
      assert.equal(id, `${name}:key-${createHash('sha256').update('k').digest('hex')}`);
      await eventually('the job ran', () => handled.includes(id));
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      assert.ok(keys.length > 0);
      assert.deepEqual(
        keys.filter((key) => !key.startsWith(`${prefix}:${name}:`)),
        [],
        'keys outside the prefix',
      );
    } finally {
      await queue.stop();
      client.disconnect();
      await removeKeys(base);
    }
  });
});
