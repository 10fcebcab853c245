// Composition: the job queue the service gets from config — the jobs table by
// default, BullMQ with QUEUE_BACKEND=bullmq (refused without REDIS_URL), each
// taking jobs and flows — and stopped by the lifecycle on shutdown.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createJobQueue } from '../../src/wiring/engines.ts';
import { eventually } from '../support/eventually.ts';
import { openTestDatabase } from '../support/database.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import { silentLogger } from '../support/start.ts';

async function roundTrip(env: Record<string, string>) {
  const database = await openTestDatabase({ seeded: false });
  const config = loadConfig({ argv: [], env: { QUEUE_POLL_INTERVAL_MS: '20', ...env } });
  const lifecycle = new Lifecycle(silentLogger());
  try {
    const queue = createJobQueue(config, { logger: silentLogger(), lifecycle, sql: database.sql });
    const handled: unknown[] = [];
    queue.process('composition.check', (job) => {
      handled.push(job.payload);
      return Promise.resolve();
    });
    await queue.enqueue('composition.check', { hello: 'world' });
    await eventually('the job ran', () => handled.length === 1);
    assert.deepEqual(handled, [{ hello: 'world' }]);
    await database.sql.withTransaction((trx) =>
      queue.enqueueFlowWithin(trx, {
        name: 'composition.check',
        payload: 'parent',
        children: [{ name: 'composition.check', payload: 'child' }],
      }),
    );
    await eventually('the flow ran', () => handled.length === 3);
    assert.deepEqual(handled.slice(1), ['child', 'parent']);
    await lifecycle.stop('test');
    assert.throws(() => {
      queue.process('composition.late', () => Promise.resolve());
    }, /stopped/);
    return config;
  } finally {
    await lifecycle.stop('test');
    await database.close();
  }
}

describe('job queue composition', () => {
  test('uses the jobs table by default, and stops with the lifecycle', async () => {
    const config = await roundTrip({});
    assert.equal(config.queue.backend, 'postgres');
  });

  test('refuses QUEUE_BACKEND=bullmq without REDIS_URL', () => {
    assert.throws(
      () => loadConfig({ argv: [], env: { QUEUE_BACKEND: 'bullmq' } }),
      (error) => error instanceof ConfigError && /REDIS_URL/.test(error.message),
    );
    assert.throws(() => loadConfig({ argv: [], env: { QUEUE_BACKEND: 'rabbit' } }), ConfigError);
  });

  test('uses BullMQ with QUEUE_BACKEND=bullmq', { skip: redisSkip }, async () => {
    const keyPrefix = uniquePrefix();
    try {
      const config = await roundTrip({
        QUEUE_BACKEND: 'bullmq',
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: keyPrefix,
      });
      assert.equal(config.queue.backend, 'bullmq');
    } finally {
      await removeKeys(keyPrefix);
    }
  });
});
