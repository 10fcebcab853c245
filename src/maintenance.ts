// Periodic maintenance (seed module 13, "cleanups"), as cron schedules over
// the job queue (platform/scheduler.ts): one instance enqueues each fire, any
// worker runs it, and a fire is never run twice (its idempotency key).
//
// - `maintenance.prune` (hourly): completed jobs and relayed outbox events
//   older than JOBS_RETENTION_MS. Dead letters and unrelayed events stay.
// - `maintenance.sign-outs` (every minute): sign-outs whose event job ran
//   out of attempts during a long Redis outage (auth/sign-out-everywhere.ts).

import type { Logger } from 'pino';
import type { Database } from './db/schema.ts';
import { finishPendingSignOuts, type SessionRevoker } from './modules/auth/sign-out-everywhere.ts';
import { pruneRelayedEvents } from './modules/events/relay.ts';
import type { Scheduler } from './platform/scheduler.ts';
import type { JobQueue } from './ports/queue.ts';
import type { SqlDatabase } from './ports/sql.ts';

export const PRUNE_QUEUE = 'maintenance.prune';
export const SIGN_OUTS_QUEUE = 'maintenance.sign-outs';

/** A sign-out pending this long has lost its own job: longer than its retries take. */
const STRANDED_SIGN_OUT_MS = 10 * 60_000;
/** Rows removed per statement, so a large backlog never holds one long lock. */
const PRUNE_BATCH = 1000;

export interface MaintenanceDeps {
  readonly queue: JobQueue;
  readonly scheduler: Scheduler;
  readonly sql: SqlDatabase<Database>;
  readonly sessions: SessionRevoker;
  readonly logger: Logger;
  /** Every queue whose completed jobs are pruned. */
  readonly queues: readonly string[];
  readonly retentionMs: number;
}

export function startMaintenance(deps: MaintenanceDeps): void {
  const { queue, scheduler, logger } = deps;
  scheduler.add({ name: PRUNE_QUEUE, cron: '17 * * * *' });
  scheduler.add({ name: SIGN_OUTS_QUEUE, cron: '* * * * *' });

  queue.process(PRUNE_QUEUE, async (job) => {
    const olderThanMs = deps.retentionMs;
    let jobs = 0;
    for (const name of deps.queues) {
      let removed: number;
      do {
        job.signal.throwIfAborted();
        removed = await queue.prune(name, { olderThanMs, limit: PRUNE_BATCH });
        jobs += removed;
      } while (removed === PRUNE_BATCH);
    }
    let events = 0;
    let removed: number;
    do {
      job.signal.throwIfAborted();
      removed = await pruneRelayedEvents(deps.sql, { olderThanMs, limit: PRUNE_BATCH });
      events += removed;
    } while (removed === PRUNE_BATCH);
    logger.info({ jobs, events }, 'pruned completed jobs and relayed events');
  });

  queue.process(SIGN_OUTS_QUEUE, async () => {
    const finished = await finishPendingSignOuts(
      { sql: deps.sql, sessions: deps.sessions },
      { olderThanMs: STRANDED_SIGN_OUT_MS },
    );
    if (finished > 0) logger.warn({ finished }, 'finished stranded sign-outs');
  });
}
