// The job queue the service gets from config (seed module 13). Not used on
// any request path yet: modules that need background jobs take the JobQueue
// from here.
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
import { createPostgresQueue } from '../adapters/queue/postgres.ts';
import type { Database } from '../db/schema.ts';
import type { JobQueue } from '../ports/queue.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Config } from './config.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export interface JobQueueDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
}

export function createJobQueue(config: Config, deps: JobQueueDeps): JobQueue {
  const logger = deps.logger.child({ component: 'jobs' });
  const common = {
    logger,
    leaseMs: config.queue.leaseMs,
    // Within the shutdown grace, leaving the rest of it to what closes after.
    stopGraceMs: Math.ceil(config.shutdown.graceMs / 2),
  };
  let queue: JobQueue;
  if (config.queue.backend === 'bullmq') {
    // The config schema refuses bullmq without REDIS_URL.
    const url = config.redis.url!;
    queue = createBullmqQueue({ ...common, url, prefix: `${config.redis.keyPrefix}jobs` });
  } else {
    queue = createPostgresQueue({
      ...common,
      sql: deps.sql,
      pollIntervalMs: config.queue.pollIntervalMs,
      listenUrl: deps.sql.engine === 'postgres' ? config.database.url : undefined,
    });
  }
  deps.lifecycle.add({ name: `job queue (${config.queue.backend})`, close: () => queue.stop() });
  return queue;
}
