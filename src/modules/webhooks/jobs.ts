// Enqueueing delivery jobs together with the rows they name. On the postgres
// queue the job is written in the caller's transaction: both commit or
// neither. On BullMQ the job would reach Redis before the transaction
// commits, and a fast worker could look for a delivery row it cannot see
// yet — so there the jobs are enqueued right after the commit instead. A
// crash between the two leaves a pending delivery without a job; the fan-out
// re-enqueues such deliveries when the event is handled again (the event's
// job fails and is retried when the enqueue fails), and the idempotency key
// keeps that from adding a second job.

import type { Transaction } from 'kysely';
import type { WebhooksDatabase } from './tables.ts';
import type { EnqueueOptions, JsonValue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { WEBHOOKS_QUEUE, type DeliveryJob } from './delivery.ts';

export interface DeliveryQueue {
  enqueue(name: string, payload: JsonValue, options?: EnqueueOptions): Promise<string>;
  enqueueWithin(
    trx: Transaction<WebhooksDatabase>,
    name: string,
    payload: JsonValue,
    options?: EnqueueOptions,
  ): Promise<string>;
  /** Whether enqueueWithin is part of the transaction (the postgres backend). */
  readonly transactional: boolean;
}

export type ScheduleJob = (job: DeliveryJob, options: EnqueueOptions) => Promise<void>;

/** Runs `work` in a transaction; the jobs it schedules are enqueued with it (see above). */
export async function withDeliveryJobs<T>(
  sql: SqlDatabase<WebhooksDatabase>,
  queue: DeliveryQueue,
  work: (trx: Transaction<WebhooksDatabase>, schedule: ScheduleJob) => Promise<T>,
): Promise<T> {
  const later: { job: DeliveryJob; options: EnqueueOptions }[] = [];
  const result = await sql.withTransaction((trx) =>
    work(trx, async (job, options) => {
      if (queue.transactional) await queue.enqueueWithin(trx, WEBHOOKS_QUEUE, { ...job }, options);
      else later.push({ job, options });
    }),
  );
  for (const { job, options } of later) await queue.enqueue(WEBHOOKS_QUEUE, { ...job }, options);
  return result;
}

/** A job queue (ServiceJobQueue) seen as a DeliveryQueue. */
export function deliveryQueue(
  queue: Pick<DeliveryQueue, 'enqueue' | 'enqueueWithin'>,
  transactional: boolean,
): DeliveryQueue {
  return {
    enqueue: (name, payload, options) => queue.enqueue(name, payload, options),
    enqueueWithin: (trx, name, payload, options) =>
      queue.enqueueWithin(trx, name, payload, options),
    transactional,
  };
}
