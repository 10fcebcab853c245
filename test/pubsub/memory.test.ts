// In-process pub/sub against the PubSub contract, then what only it shows
// directly: a failing handler is logged, a message already queued for a
// handler that unsubscribed is dropped, and a closed instance refuses calls.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryPubSub } from '../../src/adapters/pubsub/memory.ts';
import { collector, runPubSubContract } from '../../src/ports/pubsub.contract.ts';
import { eventually } from '../support/eventually.ts';
import { captureLogger, silentLogger } from '../support/start.ts';

runPubSubContract('memory', () =>
  Promise.resolve({
    pubsub: createMemoryPubSub({ logger: silentLogger() }),
    close: () => Promise.resolve(),
  }),
);

describe('memory pub/sub', () => {
  test('logs a failing handler with its channel', async () => {
    const { logger, records } = captureLogger();
    const pubsub = createMemoryPubSub({ logger });
    await pubsub.subscribe('orders:paid', () => {
      throw new Error('handler bug');
    });
    await pubsub.publish('orders:paid', '42');
    await eventually('the failure is logged', () => records.length > 0);
    assert.equal(records[0]!.msg, 'pub/sub handler failed');
    assert.equal(records[0]!.channel, 'orders:paid');
    assert.equal(records[0]!.level, 'error');
    await pubsub.close();
  });

  test('a message queued before unsubscribing is not delivered after it', async () => {
    const pubsub = createMemoryPubSub({ logger: silentLogger() });
    const [leaving, sentinel] = [collector(), collector()];
    const unsubscribe = await pubsub.subscribe('c', leaving.handler);
    await pubsub.subscribe('sentinel', sentinel.handler);
    await pubsub.publish('c', 'queued');
    await unsubscribe();
    await pubsub.publish('sentinel', 'done');
    await sentinel.received(1);
    assert.deepEqual(leaving.messages, []);
    await pubsub.close();
  });

  test('refuses calls once closed, and drops what was still queued', async () => {
    const pubsub = createMemoryPubSub({ logger: silentLogger() });
    const inbox = collector();
    await pubsub.subscribe('c', inbox.handler);
    await pubsub.publish('c', 'queued');
    await pubsub.close();
    await assert.rejects(pubsub.publish('c', 'x'), /closed/);
    await assert.rejects(pubsub.subscribe('c', inbox.handler), /closed/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(inbox.messages, []);
  });
});
