// In-process pub/sub: what one instance uses when there is no Redis. Messages
// reach the handlers of this process only.
//
// Delivery is deliberately asynchronous (a macrotask after `publish`), as it
// is over Redis: code written against this adapter cannot come to rely on a
// handler having run by the time `publish` returns, and then break when the
// service scales out. One task per publish keeps messages in order.

import type { Logger } from '../../platform/logger.ts';
import type { MessageHandler, PubSub } from '../../ports/pubsub.ts';
import { deliver, type Subscription } from './deliver.ts';

export interface MemoryPubSubOptions {
  /** Where a failing handler is reported. */
  readonly logger: Logger;
}

export function createMemoryPubSub(options: MemoryPubSubOptions): PubSub {
  const channels = new Map<string, Set<Subscription>>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new Error('the pub/sub instance is closed');
  };

  return {
    publish(channel, message) {
      return new Promise<void>((resolve) => {
        assertOpen();
        // The subscribers at the time of publishing, as on Redis.
        const subscribers = [...(channels.get(channel) ?? [])];
        if (subscribers.length > 0) {
          setImmediate(() => {
            for (const subscription of subscribers) {
              deliver(subscription, channel, message, options.logger);
            }
          });
        }
        resolve();
      });
    },

    subscribe(channel, handler: MessageHandler) {
      return new Promise<() => Promise<void>>((resolve) => {
        assertOpen();
        const subscription: Subscription = { handler, active: true };
        let subscribers = channels.get(channel);
        if (subscribers === undefined) {
          subscribers = new Set();
          channels.set(channel, subscribers);
        }
        subscribers.add(subscription);
        resolve(() => {
          // Also stops a message already queued for delivery.
          subscription.active = false;
          const current = channels.get(channel);
          current?.delete(subscription);
          if (current?.size === 0) channels.delete(channel);
          return Promise.resolve();
        });
      });
    },

    close() {
      closed = true;
      for (const subscribers of channels.values()) {
        for (const subscription of subscribers) subscription.active = false;
      }
      channels.clear();
      return Promise.resolve();
    },
  };
}
