// The job queue the service gets from config (seed module 13). The workers
// (src/workers.ts) build it: in the web process with WORKERS=inline, or in
// `npm run worker`. Request paths never enqueue directly: they record events
// in the outbox, and the relay enqueues them (`enqueueWithin`).
//
// QUEUE_BACKEND=postgres (the default) keeps jobs in the `jobs` table of the
// service's own database, on PGlite as on PostgreSQL — and on PostgreSQL the
// workers also LISTEN for enqueues on a connection of their own, so an idle
// worker starts a new job at once instead of at its next poll.
// QUEUE_BACKEND=bullmq moves them to Redis (REDIS_URL, keys under
// REDIS_KEY_PREFIX + `jobs`). Switching backends does not move jobs: drain
// the old one first (docs/operations.md, "Jobs").
//
// The queue is stopped on shutdown: register it after the database, so its
// workers finish (or give their jobs back) before the database closes.

import { createBullmqQueue } from '../adapters/queue/bullmq.ts';
import { createPostgresQueue, enqueueFlowOn, enqueueOn } from '../adapters/queue/postgres.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EnqueuedFlow, EnqueueOptions, Flow, JobQueue, JsonValue } from '../ports/queue.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Config } from './config.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export interface JobQueueDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
}

export interface ServiceJobQueue extends JobQueue {
  /**
   * Enqueues as part of `trx`. On the postgres backend the job row is written
   * in that transaction, so it commits or rolls back with it; on bullmq it
   * goes to Redis at once, and a retry after a rollback is made harmless by
   * the idempotency key (pass one).
   */
  enqueueWithin(
    trx: Transaction<Database>,
    name: string,
    payload: JsonValue,
    options?: EnqueueOptions,
  ): Promise<string>;
  /** Adds a flow as part of `trx`, like enqueueWithin (key the parent on bullmq). */
  enqueueFlowWithin(trx: Transaction<Database>, flow: Flow): Promise<EnqueuedFlow>;
}

export function createJobQueue(config: Config, deps: JobQueueDeps): ServiceJobQueue {
  const logger = deps.logger.child({ component: 'jobs' });
  const common = {
    logger,
    leaseMs: config.queue.leaseMs,
    // Within the shutdown grace, leaving the rest of it to what closes after.
    stopGraceMs: Math.ceil(config.shutdown.graceMs / 2),
  };
  let queue: ServiceJobQueue;
  if (config.queue.backend === 'bullmq') {
    // The config schema refuses bullmq without REDIS_URL.
    const url = config.redis.url!;
    const bullmq = createBullmqQueue({ ...common, url, prefix: `${config.redis.keyPrefix}jobs` });
    queue = Object.assign(bullmq, {
      enqueueWithin: (
        _trx: Transaction<Database>,
        name: string,
        payload: JsonValue,
        options?: EnqueueOptions,
      ) => bullmq.enqueue(name, payload, options),
      enqueueFlowWithin: (_trx: Transaction<Database>, flow: Flow) => bullmq.enqueueFlow(flow),
    });
  } else {
    const postgres = createPostgresQueue({
      ...common,
      sql: deps.sql,
      pollIntervalMs: config.queue.pollIntervalMs,
      listenUrl: deps.sql.engine === 'postgres' ? config.database.url : undefined,
    });
    queue = Object.assign(postgres, {
      enqueueWithin: enqueueOn,
      enqueueFlowWithin: enqueueFlowOn,
    });
  }
  deps.lifecycle.add({ name: `job queue (${config.queue.backend})`, close: () => queue.stop() });
  return queue;
}
