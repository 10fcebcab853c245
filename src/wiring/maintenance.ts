// Periodic maintenance (seed module 13, "cleanups"), as cron schedules over
// the job queue (platform/scheduler.ts): one instance enqueues each fire, any
// worker runs it, and a fire is never run twice (its idempotency key).
//
// - `maintenance.prune` (hourly): completed jobs and relayed outbox events
//   older than JOBS_RETENTION_MS. Dead letters and unrelayed events stay.
// - `maintenance.sign-outs` (every minute): sign-outs whose event job ran
//   out of attempts during a long Redis outage (auth/sign-out-everywhere.ts).
// - `maintenance.expire` (hourly): rows whose time has passed — expired
//   credentials (auth/expiry.ts), idempotency keys (platform/sql/idempotency.ts), and
//   finished webhook deliveries older than the delivery log keeps.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import { finishPendingSignOuts, type SessionRevoker } from '../modules/auth/sign-out-everywhere.ts';
import { purgeExpiredIdempotencyKeys } from '../platform/sql/idempotency.ts';
import { purgeExpiredCredentials } from '../modules/auth/expiry.ts';
import { pruneRelayedEvents } from '../modules/events/relay.ts';
import { DELIVERY_LOG_RETENTION_MS, pruneDeliveryLog } from '../modules/webhooks/repo.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { JobQueue } from '../ports/queue.ts';
import type { SqlDatabase } from '../ports/sql.ts';

export const PRUNE_QUEUE = 'maintenance.prune';
export const SIGN_OUTS_QUEUE = 'maintenance.sign-outs';
export const EXPIRE_QUEUE = 'maintenance.expire';

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
  scheduler.add({ name: EXPIRE_QUEUE, cron: '47 * * * *' });

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
    job.signal.throwIfAborted();
    const events = await pruneRelayedEvents(deps.sql, new Date(Date.now() - olderThanMs));
    logger.info({ jobs, events }, 'pruned completed jobs and relayed events');
  });

  queue.process(SIGN_OUTS_QUEUE, async () => {
    const finished = await finishPendingSignOuts(
      { sql: deps.sql, sessions: deps.sessions },
      { olderThanMs: STRANDED_SIGN_OUT_MS },
    );
    if (finished > 0) logger.warn({ finished }, 'finished stranded sign-outs');
  });

  queue.process(EXPIRE_QUEUE, async () => {
    logger.info(await expireRows(deps.sql), 'removed expired rows');
  });
}

/** The hourly expiry, by table; exported for tests and drills. */
export async function expireRows(
  sql: SqlDatabase<Database>,
  at: Date = new Date(),
): Promise<Record<string, number>> {
  const credentials = await purgeExpiredCredentials(sql, at);
  const idempotencyKeys = await purgeExpiredIdempotencyKeys(sql, at);
  const webhookDeliveries = await pruneDeliveryLog(
    sql.db,
    new Date(at.getTime() - DELIVERY_LOG_RETENTION_MS),
  );
  return {
    ...credentials,
    idempotency_keys: idempotencyKeys,
    webhook_deliveries: webhookDeliveries,
  };
}
