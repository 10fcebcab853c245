// Events: the transactional outbox. A module records its event in the
// transaction that makes the change (outbox.ts); the relay moves committed
// events onto the events queue, and one job per event runs every consumer
// the other modules registered (registry.ts), retried as a whole. After each
// pass the relay announces the highest position it numbered on pub/sub
// (RELAYED_CHANNEL), so every instance's realtime hub reads the new events
// at once instead of polling.

import type { Config } from '../../platform/config.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { EVENTS_QUEUE } from './outbox.ts';
import type { EventHandlers } from './registry.ts';
import { onEventsCommitted } from './committed.ts';
import { createOutboxRelay, type EnqueueWithin } from './relay.ts';
import type { EventsTables } from './tables.ts';

/**
 * Where the relay announces relayed events: the message is `{"seq":"<n>"}`,
 * the highest relay_seq a committed pass assigned. A hint (pub/sub is at
 * most once): readers catch up from the outbox by position, so a lost
 * message only delays them until the next one.
 */
export const RELAYED_CHANNEL = 'events:relayed';

/** Events handled at once per process. */
const EVENT_CONCURRENCY = 4;

export const eventsModule = defineModule({
  name: 'events',
  queues: [EVENTS_QUEUE],
  workers(context: {
    readonly config: Config;
    readonly logger: Logger;
    readonly lifecycle: Lifecycle;
    readonly sql: SqlDatabase<EventsTables>;
    readonly queue: Pick<JobQueue, 'process'> & { readonly enqueueWithin: EnqueueWithin };
    readonly handlers: EventHandlers;
    readonly shared: { readonly pubsub: Pick<PubSub, 'publish'> };
  }) {
    const logger = context.logger.child({ component: 'outbox' });
    const { queue } = context;
    queue.process(EVENTS_QUEUE, context.handlers.jobHandler(), {
      concurrency: EVENT_CONCURRENCY,
    });
    const relay = createOutboxRelay({
      sql: context.sql,
      enqueue: (trx, name, payload, options) => queue.enqueueWithin(trx, name, payload, options),
      logger,
      intervalMs: context.config.workers.outboxPollIntervalMs,
      onRelayed: (seq) => {
        context.shared.pubsub
          .publish(RELAYED_CHANNEL, JSON.stringify({ seq }))
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'announcing relayed events failed');
          });
      },
    });
    relay.start();
    // Events committed in this process are relayed at once; the poll is for the rest.
    const stopListening = onEventsCommitted(() => {
      relay.wake();
    });
    context.lifecycle.add({
      name: 'outbox relay',
      close: () => {
        stopListening();
        return relay.stop();
      },
    });
  },
});
