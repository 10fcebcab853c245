// The delivery scenarios (suite.ts) with the job queue on BullMQ: jobs are
// enqueued after the fan-out's transaction commits (modules/webhooks/jobs.ts),
// retries follow the same schedule, and the dead letter is BullMQ's.

import { after, before, describe } from 'node:test';
import { createBullmqQueue } from '../../src/adapters/queue/bullmq.ts';
import { WEBHOOKS_QUEUE } from '../../src/modules/webhooks/delivery.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import { silentLogger } from '../support/start.ts';
import { startHarness, type Harness } from './harness.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { deliverySuite } from './suite.ts';

describe('webhook deliveries on the bullmq queue', { skip: redisSkip }, () => {
  const prefix = uniquePrefix();
  let database: EngineDatabase;
  let harness: Harness;
  let receiver: Receiver;

  before(async () => {
    database = await ENGINES[0]!.open();
    harness = await startHarness(database.sql, {
      QUEUE_BACKEND: 'bullmq',
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: prefix,
    });
    receiver = await startReceiver();
  });

  after(async () => {
    await receiver?.close();
    await harness?.close();
    await database?.close();
    await removeKeys(prefix);
  });

  deliverySuite(
    () => ({ harness, receiver }),
    async () => {
      const queue = createBullmqQueue({
        url: REDIS_URL!,
        prefix: `${prefix}jobs`,
        logger: silentLogger(),
      });
      try {
        return await queue.listDead(WEBHOOKS_QUEUE);
      } finally {
        await queue.stop();
      }
    },
  );
});
