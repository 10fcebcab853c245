// The pub/sub port on Redis: messages reach every instance of the service.
//
// Two connections: publishing goes over the command connection the key-value
// store also uses; subscribing needs a dedicated one, because a connection
// that subscribed is reserved for pub/sub. Channels are named
// `<prefix><channel>` (`throughline:` by default) like keys, so services that
// share a Redis do not hear each other. Classic (not sharded) pub/sub: on a
// cluster every node relays every message, which is fine for the low volume
// of invalidation hints this carries.
//
// Subscriptions are this adapter's state, not the connection's: it keeps one
// Redis subscription per channel however many handlers share it, and after a
// reconnect it subscribes again to exactly the channels that still have
// handlers (ioredis's own resubscription is off: it would also restore
// channels whose last handler left during the outage). Messages published
// while the subscriber was disconnected are lost: delivery is at most once.
//
// The connections belong to whoever created them (wiring/engines.ts).

import type { Logger } from '../../platform/logger.ts';
import type { MessageHandler, PubSub } from '../../ports/pubsub.ts';
import { checkKeyPrefix, DEFAULT_KEY_PREFIX } from '../kv/redis.ts';
import type { RedisConnection } from '../redis/client.ts';
import { isRedisUnavailable, redisCall, toRedisError } from '../redis/errors.ts';
import { deliver, type Subscription } from './deliver.ts';

export interface RedisPubSubOptions {
  /** Publishes; may be shared with other adapters. */
  readonly publisher: RedisConnection;
  /** Subscribes; used by this adapter alone. */
  readonly subscriber: RedisConnection;
  /** Prepended to every channel. Default `throughline:`. */
  readonly channelPrefix?: string;
  readonly logger: Logger;
}

interface ChannelState {
  readonly handlers: Set<Subscription>;
  /** Settles when the Redis subscription for the channel is (again) active. */
  ready: Promise<void>;
}

export function createRedisPubSub(options: RedisPubSubOptions): PubSub {
  const { publisher, subscriber, logger } = options;
  const client = subscriber.client;
  const prefix = checkKeyPrefix(options.channelPrefix ?? DEFAULT_KEY_PREFIX);
  /** By full (prefixed) channel name. */
  const channels = new Map<string, ChannelState>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('the pub/sub instance is closed');
  };

  const onMessage = (channel: string, message: string) => {
    const state = channels.get(channel);
    if (state === undefined) return;
    const name = channel.slice(prefix.length);
    for (const subscription of [...state.handlers]) deliver(subscription, name, message, logger);
  };

  // Every (re)connect: restore the channels that still have handlers.
  const onReady = () => {
    if (closed || channels.size === 0) return;
    const names = [...channels.keys()];
    const restored = redisCall(() => client.subscribe(...names)).then(
      () => {
        logger.info({ channels: names.length }, 'pub/sub subscriptions restored');
      },
      (error: unknown) => {
        // The connection dropped again; the next 'ready' tries again.
        logger.warn({ err: error }, 'restoring pub/sub subscriptions failed');
      },
    );
    for (const state of channels.values()) state.ready = restored;
  };

  client.on('message', onMessage);
  client.on('ready', onReady);

  const forget = (name: string, state: ChannelState, subscription: Subscription): boolean => {
    subscription.active = false;
    state.handlers.delete(subscription);
    if (state.handlers.size > 0 || channels.get(name) !== state) return false;
    channels.delete(name);
    return true;
  };

  const unsubscribe = async (name: string, state: ChannelState, subscription: Subscription) => {
    if (!subscription.active) return;
    const last = forget(name, state, subscription);
    // Down: the subscription ended with the connection, and will not be restored.
    if (!last || closed || !subscriber.isReady) return;
    try {
      await client.unsubscribe(name);
    } catch (error) {
      const mapped = toRedisError(error);
      if (!isRedisUnavailable(mapped)) throw mapped;
    }
  };

  return {
    publish: (channel, message) =>
      redisCall(async () => {
        assertOpen();
        await publisher.client.publish(`${prefix}${channel}`, message);
      }),

    async subscribe(channel, handler: MessageHandler) {
      assertOpen();
      // Waits out the first connect at start-up; fails fast during an outage.
      await subscriber.waitUntilReady();
      assertOpen();
      const name = `${prefix}${channel}`;
      const subscription: Subscription = { handler, active: true };
      let state = channels.get(name);
      if (state === undefined) {
        state = {
          handlers: new Set(),
          ready: redisCall(async () => {
            await client.subscribe(name);
          }),
        };
        channels.set(name, state);
      }
      state.handlers.add(subscription);
      try {
        await state.ready;
      } catch (error) {
        forget(name, state, subscription);
        throw error;
      }
      const joined = state;
      return () => unsubscribe(name, joined, subscription);
    },

    async close() {
      if (closed) return;
      closed = true;
      client.off('message', onMessage);
      client.off('ready', onReady);
      const names = [...channels.keys()];
      for (const state of channels.values()) {
        for (const subscription of state.handlers) subscription.active = false;
      }
      channels.clear();
      if (names.length === 0 || !subscriber.isReady) return;
      try {
        await client.unsubscribe(...names);
      } catch {
        // Going away anyway: the owner closes the connection next.
      }
    },
  };
}
