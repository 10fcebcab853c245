// Events: the transactional outbox. A module records its event in the
// transaction that makes the change (outbox.ts); the relay moves committed
// events onto the events queue, and one job per event runs every consumer
// the other modules registered (registry.ts), retried as a whole.

import type { Config } from '../../platform/config.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { EVENTS_QUEUE } from './outbox.ts';
import type { EventHandlers } from './registry.ts';
import { createOutboxRelay, type EnqueueWithin } from './relay.ts';
import type { EventsTables } from './tables.ts';

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
  }) {
    const { queue } = context;
    queue.process(EVENTS_QUEUE, context.handlers.jobHandler(), {
      concurrency: EVENT_CONCURRENCY,
    });
    const relay = createOutboxRelay({
      sql: context.sql,
      enqueue: (trx, name, payload, options) => queue.enqueueWithin(trx, name, payload, options),
      logger: context.logger.child({ component: 'outbox' }),
      intervalMs: context.config.workers.outboxPollIntervalMs,
    });
    relay.start();
    context.lifecycle.add({ name: 'outbox relay', close: () => relay.stop() });
  },
});
