// The workers: the job queue's handlers and the outbox relay (seed module
// 13). They run inside the web process with WORKERS=inline (the default: one
// process does everything), or in processes of their own with `npm run
// worker` (src/worker.ts), when WORKERS=off keeps the web instances to
// requests. Either way they are built here, from the same config, so an
// event is handled the same wherever it is.
//
// Shutdown order (the lifecycle closes in reverse): the relay stops first (it
// enqueues), then the queue (its running handlers finish or give their jobs
// back), then — registered earlier by the caller — the mailer and the
// database they use.

import type { Logger } from 'pino';
import type { Database } from './db/schema.ts';
import { registerMailConsumers } from './modules/events/mail.ts';
import { EVENTS_QUEUE } from './modules/events/outbox.ts';
import { EventHandlers } from './modules/events/registry.ts';
import { createOutboxRelay, type OutboxRelay } from './modules/events/relay.ts';
import type { Config } from './platform/config.ts';
import type { Lifecycle } from './platform/lifecycle.ts';
import { accountLinks } from './platform/mailer.ts';
import { createJobQueue, type ServiceJobQueue } from './platform/queue.ts';
import type { Mailer } from './ports/mailer.ts';
import type { SqlDatabase } from './ports/sql.ts';

export interface WorkerDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Closed by the caller after the workers (register it on the lifecycle first). */
  readonly mailer: Mailer;
}

export interface Workers {
  readonly queue: ServiceJobQueue;
  readonly handlers: EventHandlers;
  readonly relay: OutboxRelay;
}

/** Events handled at once per process. */
const EVENT_CONCURRENCY = 4;

export function startWorkers(config: Config, deps: WorkerDeps): Workers {
  const { logger, lifecycle, sql } = deps;
  const queue = createJobQueue(config, { logger, lifecycle, sql });
  const handlers = new EventHandlers();
  registerMailConsumers(handlers, { sql, mailer: deps.mailer, links: accountLinks(config) });
  queue.process(EVENTS_QUEUE, handlers.jobHandler(), { concurrency: EVENT_CONCURRENCY });
  const relay = createOutboxRelay({
    sql,
    enqueue: (trx, name, payload, options) => queue.enqueueWithin(trx, name, payload, options),
    logger: logger.child({ component: 'outbox' }),
    intervalMs: config.workers.outboxPollIntervalMs,
  });
  relay.start();
  lifecycle.add({ name: 'outbox relay', close: () => relay.stop() });
  return { queue, handlers, relay };
}
