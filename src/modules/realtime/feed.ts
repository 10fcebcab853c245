// The realtime feed: relayed outbox events read by position (relay_seq, see
// migrations/0021_outbox_relay_seq.sql). Positions are handed out in commit
// order, so "every event after N" read now and again later never skips one.
//
// Relayed events are kept JOBS_RETENTION_MS (the maintenance prune), which
// is therefore how far back a client can resume; an older position, or one
// this database never handed out, is `resumable: false` and the client is
// told to reload its state instead.

import { sql as raw } from 'kysely';
import { isBigintId } from '../../platform/sql/pg-values.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventType } from '../events/outbox.ts';
import type { EventsTables } from '../events/tables.ts';

/** One relayed event as realtime clients receive it. */
export interface FeedEvent {
  /** The position: relay_seq as decimal text (the SSE `id`). */
  readonly seq: string;
  /** The outbox id (the event's identity in webhooks and jobs). */
  readonly id: string;
  readonly type: EventType;
  readonly aggregateId: string;
  readonly data: unknown;
  readonly occurredAt: string;
}

/** Narrows a read to the events of one order (or none: every event). */
export interface FeedFilter {
  readonly orderId?: string;
}

export interface Feed {
  /** The highest position handed out so far ('0' before the first). */
  latest(): Promise<string>;
  /** Up to `limit` events after `after`, oldest first. */
  after(after: string, limit: number, filter?: FeedFilter): Promise<FeedEvent[]>;
  /** Whether a client last at `seq` can resume without a gap. */
  resumable(seq: string): Promise<boolean>;
}

export function createFeed(sql: SqlDatabase<EventsTables>): Feed {
  const db = sql.db;
  return {
    async latest() {
      const row = await db
        .selectFrom('outbox')
        .select(raw<string | null>`max(relay_seq)::text`.as('seq'))
        .executeTakeFirst();
      return row?.seq ?? '0';
    },

    async after(after, limit, filter = {}) {
      let query = db
        .selectFrom('outbox')
        .select([
          raw<string>`relay_seq::text`.as('seq'),
          'id',
          'type',
          'aggregate_id',
          'payload',
          'occurred_at',
        ])
        .where(raw<boolean>`relay_seq > ${after}::bigint`)
        .orderBy('relay_seq')
        .limit(limit);
      if (filter.orderId !== undefined) {
        query = query.where('aggregate_id', '=', filter.orderId).where('type', 'like', 'order.%');
      }
      const rows = await query.execute();
      return rows.map((row) => ({
        seq: row.seq,
        id: row.id,
        type: row.type as EventType,
        aggregateId: row.aggregate_id,
        data: row.payload,
        occurredAt: row.occurred_at.toISOString(),
      }));
    },

    async resumable(seq) {
      // The position itself is still stored: everything after it is too,
      // since pruning removes the oldest relayed events first.
      const found = await db
        .selectFrom('outbox')
        .select('id')
        .where(raw<boolean>`relay_seq = ${seq}::bigint`)
        .executeTakeFirst();
      if (found !== undefined) return true;
      // Position 0 ("before the first event") holds while nothing was pruned yet.
      if (seq !== '0') return false;
      const oldest = await db
        .selectFrom('outbox')
        .select(raw<string | null>`min(relay_seq)::text`.as('seq'))
        .executeTakeFirst();
      return oldest?.seq === null || oldest?.seq === undefined || oldest.seq === '1';
    },
  };
}

/** A position as clients send it back (Last-Event-ID): decimal, no sign, no leading zeros. */
export function parsePosition(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  return trimmed === '0' || isBigintId(trimmed) ? trimmed : undefined;
}
