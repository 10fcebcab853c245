// Redis pub/sub against the PubSub contract (when REDIS_URL is set), with a
// second instance on connections of its own as the peer; then what only Redis
// has: channels under the prefix, and an outage of the subscriber connection
// (a TCP proxy the test cuts) — subscribing fails fast meanwhile, and the
// subscriptions that still have handlers come back by themselves.
//
// The server is shared with other test processes: every suite publishes on
// channels under its own random prefix.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisPubSub } from '../../src/adapters/pubsub/redis.ts';
import { isRedisUnavailable } from '../../src/adapters/redis/errors.ts';
import { createRedisConnection, type RedisConnection } from '../../src/adapters/redis/client.ts';
import { eventually } from '../support/eventually.ts';
import { collector, runPubSubContract } from '../../src/ports/pubsub.contract.ts';
import {
  openConnection,
  redisSkip,
  redisTarget,
  redisUrlVia,
  uniquePrefix,
} from '../support/redis.ts';
import { captureLogger, silentLogger } from '../support/start.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

/** A pub/sub instance as one service instance holds it: a publisher and a subscriber connection. */
async function openPubSub(channelPrefix: string, subscriberUrl?: string) {
  const publisher = await openConnection({ name: 'publisher' });
  const subscriber = await openConnection({ name: 'subscriber', url: subscriberUrl });
  const pubsub = createRedisPubSub({
    publisher,
    subscriber,
    channelPrefix,
    logger: silentLogger(),
  });
  return {
    pubsub,
    publisher,
    subscriber,
    async close() {
      await pubsub.close();
      await Promise.all([publisher.close(), subscriber.close()]);
    },
  };
}

if (redisSkip === false) {
  const channelPrefix = uniquePrefix();
  runPubSubContract('redis', () => openPubSub(channelPrefix), {
    openPeer: () => openPubSub(channelPrefix),
  });
} else {
  test('PubSub contract: redis', { skip: redisSkip }, () => {});
}

describe('Redis pub/sub', { skip: redisSkip }, () => {
  test('publishes on prefixed channels, and hears only those', async () => {
    const channelPrefix = uniquePrefix();
    const under = await openPubSub(channelPrefix);
    const raw = await openConnection({ name: 'raw-subscriber' });
    try {
      const outside = collector();
      raw.client.on('message', (_channel: string, message: string) => {
        outside.handler(message);
      });
      await raw.client.subscribe(`${channelPrefix}orders:paid`);
      await under.pubsub.publish('orders:paid', 'seen under the prefix');
      assert.deepEqual(await outside.received(1), ['seen under the prefix']);

      const inside = collector();
      const unsubscribe = await under.pubsub.subscribe('orders:paid', inside.handler);
      // The bare channel name is another service's: not ours to hear.
      await under.publisher.client.publish('orders:paid', 'unprefixed');
      await under.publisher.client.publish(`${channelPrefix}orders:paid`, 'prefixed');
      assert.deepEqual(await inside.received(1), ['prefixed']);
      await unsubscribe();
    } finally {
      await raw.close();
      await under.close();
    }
  });

  test('one Redis subscription per channel, however many handlers; none once they left', async () => {
    const channelPrefix = uniquePrefix();
    const under = await openPubSub(channelPrefix);
    const numberOfSubscribers = async () => {
      const reply = (await under.publisher.client.pubsub('NUMSUB', `${channelPrefix}c`)) as [
        string,
        number,
      ];
      return reply[1];
    };
    try {
      const unsubscribes = await Promise.all(
        [collector(), collector(), collector()].map((inbox) =>
          under.pubsub.subscribe('c', inbox.handler),
        ),
      );
      assert.equal(await numberOfSubscribers(), 1);
      await unsubscribes[0]!();
      assert.equal(await numberOfSubscribers(), 1);
      await Promise.all(unsubscribes.slice(1).map((unsubscribe) => unsubscribe()));
      assert.equal(await numberOfSubscribers(), 0);
    } finally {
      await under.close();
    }
  });

  describe('when the subscriber connection is lost', () => {
    let proxy: TcpProxy;
    before(async () => {
      proxy = await startTcpProxy(redisTarget());
    });
    after(() => proxy.close());

    test('subscribing fails fast meanwhile; live subscriptions come back, abandoned ones do not', async () => {
      const channelPrefix = uniquePrefix();
      const { logger, records } = captureLogger();
      const publisher = await openConnection({ name: 'publisher' });
      const subscriber: RedisConnection = createRedisConnection({
        url: redisUrlVia(proxy.port),
        logger,
        name: 'subscriber',
      });
      const pubsub = createRedisPubSub({ publisher, subscriber, channelPrefix, logger });
      const numberOfSubscribers = async (channel: string) => {
        const reply = (await publisher.client.pubsub('NUMSUB', `${channelPrefix}${channel}`)) as [
          string,
          number,
        ];
        return reply[1];
      };
      try {
        // Subscribing while the first connection is still being made waits for it.
        const [kept, abandoned] = [collector(), collector()];
        await pubsub.subscribe('kept', kept.handler);
        const unsubscribeAbandoned = await pubsub.subscribe('abandoned', abandoned.handler);
        await pubsub.publish('kept', 'before');
        await kept.received(1);

        proxy.cut();
        await eventually('the subscriber notices', () => !subscriber.isReady);
        const started = performance.now();
        await assert.rejects(
          pubsub.subscribe('late', () => undefined),
          (error) => isRedisUnavailable(error),
        );
        assert.ok(performance.now() - started < 1_500, 'subscribing waited during the outage');
        // Leaving during the outage resolves: that subscription ended with the connection.
        await unsubscribeAbandoned();

        proxy.restore();
        // Messages published during the outage are lost; poll until one gets through again.
        let attempt = 0;
        await eventually(
          'the subscription is restored',
          async () => {
            await pubsub.publish('kept', `after ${attempt++}`);
            return kept.messages.length > 1;
          },
          { timeoutMs: 10_000, intervalMs: 50 },
        );
        assert.match(kept.messages.at(-1)!, /^after \d+$/);
        assert.equal(await numberOfSubscribers('kept'), 1);
        assert.equal(await numberOfSubscribers('abandoned'), 0);
        assert.deepEqual(abandoned.messages, []);
        assert.ok(records.some((record) => record.msg === 'pub/sub subscriptions restored'));
      } finally {
        proxy.restore();
        await pubsub.close();
        await Promise.all([publisher.close(), subscriber.close()]);
      }
    });

    test('publishing fails fast while the publisher connection is down', async () => {
      const publisher = createRedisConnection({
        url: redisUrlVia(proxy.port),
        logger: silentLogger(),
        name: 'publisher',
      });
      const subscriber = await openConnection({ name: 'subscriber' });
      const pubsub = createRedisPubSub({
        publisher,
        subscriber,
        channelPrefix: uniquePrefix(),
        logger: silentLogger(),
      });
      try {
        await publisher.waitUntilReady();
        proxy.cut();
        await eventually('the publisher notices', () => !publisher.isReady);
        const started = performance.now();
        await assert.rejects(pubsub.publish('c', 'lost'), (error) => isRedisUnavailable(error));
        assert.ok(performance.now() - started < 1_500);
      } finally {
        proxy.restore();
        await pubsub.close();
        await Promise.all([publisher.close(), subscriber.close()]);
      }
    });
  });
});
