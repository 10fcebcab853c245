// The outbox relay: moves recorded events (outbox.ts) onto the job queue.
// One pass is one transaction: claim up to a batch of unrelayed rows with
// `FOR UPDATE SKIP LOCKED`, enqueue each as a job on EVENTS_QUEUE keyed by
// the event's id, and mark them relayed — all committed together.
//
// - Nothing is lost: a relay that dies before committing leaves the rows
//   unrelayed, and the next pass (here or in another process) takes them.
// - Nothing is doubled: on the postgres queue the job rows are written in
//   the same transaction, so a rolled-back pass enqueued nothing; on bullmq
//   the enqueue happens at once, and the event id as idempotency key turns
//   the repeat after a rollback into a no-op.
// - Relays in several processes share the work: SKIP LOCKED hands each row
//   to one of them, and a row relayed meanwhile no longer matches.
//
// - Relayed events are numbered in commit order (`relay_seq`): each pass
//   takes a transaction-level advisory lock first, so passes in several
//   processes commit one after the other, and a smaller number is never
//   committed after a larger one (see migrations/0021_outbox_relay_seq.sql).
//   Realtime clients resume by that number. After the commit `onRelayed`
//   hears the highest number, to tell the instances' realtime hubs.
//
// It runs where the workers run (src/wiring/workers.ts): a loop that drains full
// batches back to back, then sleeps OUTBOX_POLL_INTERVAL_MS — or until
// `wake()`: a transaction in this process that recorded an event wakes it as
// it commits (committed.ts), so an event is relayed within a pass of its
// commit, not within a poll interval. The poll remains for events committed
// by other processes and for wake-ups missed.

import { sql as raw, type Transaction } from 'kysely';
import type { EventsTables } from './tables.ts';
import type { Logger } from '../../platform/logger.ts';
import { deleteExpired } from '../../platform/sql/delete-expired.ts';
import { detachTraceContext, withCarriedContext } from '../../platform/tracing/carrier.ts';
import type { EnqueueOptions, JsonValue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { EVENTS_QUEUE, type DomainEvent, type EventType } from './outbox.ts';

export type EnqueueWithin = (
  trx: Transaction<EventsTables>,
  name: string,
  payload: JsonValue,
  options?: EnqueueOptions,
) => Promise<string>;

export interface OutboxRelayOptions {
  readonly sql: SqlDatabase<EventsTables>;
  /** Enqueues in the relay's transaction (ServiceJobQueue.enqueueWithin). */
  readonly enqueue: EnqueueWithin;
  readonly logger: Logger;
  /** The pause after a pass that found less than a full batch. Default 1,000 ms. */
  readonly intervalMs?: number;
  /** Events per pass (per transaction). Default 100. */
  readonly batchSize?: number;
  /** Called after a pass committed, with the highest relay_seq it assigned. */
  readonly onRelayed?: (lastSeq: string) => void;
}

/** Any constant shared by every relay: the advisory lock that serialises their passes. */
const RELAY_LOCK_KEY = 7_342_001;

export interface OutboxRelay {
  /** One pass; resolves with how many events it relayed. */
  relayOnce(): Promise<number>;
  /** Starts the loop (once). */
  start(): void;
  /** Runs a pass now (or right after the one in progress) instead of at the next poll. */
  wake(): void;
  /** Ends the loop after the pass in progress. Idempotent. */
  stop(): Promise<void>;
}

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { sql, enqueue, logger } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const batchSize = options.batchSize ?? 100;
  let loop: Promise<void> | undefined;
  let stopped = false;
  let interrupt: (() => void) | undefined;
  /** A wake-up that came while a pass ran: that pass may have missed the event. */
  let woken = false;

  const pass = () =>
    sql.withTransaction(async (trx) => {
      await raw`select pg_advisory_xact_lock(${RELAY_LOCK_KEY})`.execute(trx);
      const rows = await trx
        .selectFrom('outbox')
        .select(['id', 'type', 'aggregate_id', 'payload', 'occurred_at'])
        .where('relayed_at', 'is', null)
        .orderBy('occurred_at')
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (rows.length === 0) return { relayed: 0, lastSeq: undefined as string | undefined };
      for (const row of rows) {
        // The event's trace context (outbox.ts) is current while its job is
        // enqueued, so the job carries it on (platform/tracing/job-spans.ts).
        const { payload, carrier } = detachTraceContext(row.payload);
        const event: DomainEvent = {
          id: row.id,
          type: row.type as EventType,
          aggregateId: row.aggregate_id,
          data: payload as DomainEvent['data'],
          occurredAt: row.occurred_at.toISOString(),
        };
        await withCarriedContext(carrier, () =>
          enqueue(trx, EVENTS_QUEUE, event as unknown as JsonValue, {
            idempotencyKey: event.id,
          }),
        );
      }
      const numbered = await trx
        .updateTable('outbox')
        .set({ relayed_at: raw<Date>`now()`, relay_seq: raw<string>`nextval('outbox_relay_seq')` })
        .where(
          'id',
          'in',
          rows.map((row) => row.id),
        )
        .returning(raw<string>`relay_seq::text`.as('seq'))
        .execute();
      const lastSeq = numbered
        .map((row) => BigInt(row.seq))
        .reduce((a, b) => (a > b ? a : b))
        .toString();
      return { relayed: rows.length, lastSeq };
    });

  const relayOnce = async () => {
    const { relayed, lastSeq } = await pass();
    if (lastSeq !== undefined) options.onRelayed?.(lastSeq);
    return relayed;
  };

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopped) {
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      }
      interrupt = done;
    });

  return {
    relayOnce,
    wake() {
      if (interrupt !== undefined) interrupt();
      else woken = true;
    },
    start() {
      if (loop !== undefined || stopped) return;
      let failures = 0;
      loop = (async () => {
        while (!stopped) {
          try {
            const relayed = await relayOnce();
            failures = 0;
            if (relayed > 0) logger.debug({ relayed }, 'outbox events relayed');
            if (relayed < batchSize && !woken) await nap(intervalMs);
            woken = false;
          } catch (error) {
            if (stopped) break;
            failures += 1;
            logger.error({ err: error }, 'relaying outbox events failed');
            await nap(Math.min(intervalMs * 2 ** failures, 30_000));
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      interrupt?.();
      await loop;
    },
  };
}

/**
 * Deletes events relayed before `before`, in bounded batches; resolves with
 * how many. Unrelayed rows are never touched (a null relayed_at is before
 * nothing): they are the outbox's promise. Run by the maintenance schedule
 * (src/wiring/maintenance.ts).
 */
export function pruneRelayedEvents(sql: SqlDatabase<EventsTables>, before: Date): Promise<number> {
  return deleteExpired(sql.db, { table: 'outbox', key: 'id', time: 'relayed_at' }, before);
}

/**
 * How long the oldest event not yet relayed has waited, seconds (0 when all
 * are relayed): the outbox's lag, for metrics. Growing lag means the relay
 * is stopped or cannot keep up, and every consumer (mail, webhooks, search)
 * falls behind with it. Read from the database clock, over the partial index
 * of unrelayed rows.
 */
export async function outboxLagSeconds(sql: SqlDatabase<EventsTables>): Promise<number> {
  const row = await sql.db
    .selectFrom('outbox')
    .select(raw<string | null>`extract(epoch from now() - min(occurred_at))`.as('lag'))
    .where('relayed_at', 'is', null)
    .executeTakeFirst();
  return Math.max(0, Number(row?.lag ?? 0));
}
