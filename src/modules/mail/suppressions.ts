// The suppression list and the soft-bounce counts behind it
// (migrations/0015_mail_suppressions.sql). Addresses are compared
// normalised: trimmed and lower-cased. The local part of an address is case
// sensitive in theory (RFC 5321 §2.4), never in practice; treating
// `Ann@x` and `ann@x` as one mailbox errs on the side of not mailing.

import type { MailTables } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

export const SUPPRESSION_REASONS = [
  'hard_bounce',
  'complaint',
  'manual',
  'soft_bounce_limit',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface Suppression {
  readonly id: string;
  readonly email: string;
  readonly reason: SuppressionReason;
  readonly detail: string;
  readonly createdAt: Date;
}

export interface SuppressionStore {
  isSuppressed(address: string): Promise<boolean>;
  /** Adds the address; the existing entry (unchanged) when it is already there. */
  suppress(input: {
    address: string;
    reason: SuppressionReason;
    detail: string;
    at: Date;
  }): Promise<{ suppression: Suppression; created: boolean }>;
  /** Removes the address and its soft-bounce history; false when it was not listed. */
  remove(address: string): Promise<boolean>;
  /** Newest first: up to `limit` entries with an id below `before`. */
  list(query: { limit: number; before?: string | undefined }): Promise<Suppression[]>;
  /**
   * Records one soft bounce (once per event id) and returns how many the
   * address had since `since`; older ones are pruned.
   */
  recordSoftBounce(input: {
    address: string;
    eventId: string;
    at: Date;
    since: Date;
  }): Promise<number>;
}

export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

type Row = {
  id: string;
  address: string;
  reason: SuppressionReason;
  detail: string;
  created_at: Date;
};

function toSuppression(row: Row): Suppression {
  return {
    id: row.id,
    email: row.address,
    reason: row.reason,
    detail: row.detail,
    createdAt: row.created_at,
  };
}

const COLUMNS = ['id', 'address', 'reason', 'detail', 'created_at'] as const;

export function createSuppressionStore(sql: SqlDatabase<MailTables>): SuppressionStore {
  const { db } = sql;
  const find = (address: string) =>
    db
      .selectFrom('mail_suppressions')
      .select(COLUMNS)
      .where('address', '=', address)
      .executeTakeFirst();

  return {
    async isSuppressed(address) {
      const row = await db
        .selectFrom('mail_suppressions')
        .select('id')
        .where('address', '=', normaliseAddress(address))
        .executeTakeFirst();
      return row !== undefined;
    },

    async suppress({ reason, detail, at, ...input }) {
      const address = normaliseAddress(input.address);
      // The first reason stays: a later event does not rewrite why an address
      // was listed. An entry removed between the insert and the read: again.
      for (;;) {
        const inserted = await db
          .insertInto('mail_suppressions')
          .values({ address, reason, detail, created_at: at })
          .onConflict((conflict) => conflict.column('address').doNothing())
          .returning(COLUMNS)
          .executeTakeFirst();
        if (inserted !== undefined) return { suppression: toSuppression(inserted), created: true };
        const existing = await find(address);
        if (existing !== undefined) return { suppression: toSuppression(existing), created: false };
      }
    },

    async remove(rawAddress) {
      const address = normaliseAddress(rawAddress);
      return sql.withTransaction(async (trx) => {
        const removed = await trx
          .deleteFrom('mail_suppressions')
          .where('address', '=', address)
          .executeTakeFirst();
        // Lifting a suppression starts the address afresh.
        await trx.deleteFrom('mail_soft_bounces').where('address', '=', address).execute();
        return removed.numDeletedRows > 0n;
      });
    },

    async list({ limit, before }) {
      let query = db.selectFrom('mail_suppressions').select(COLUMNS);
      if (before !== undefined) query = query.where('id', '<', before);
      const rows = await query.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(toSuppression);
    },

    async recordSoftBounce({ eventId, at, since, ...input }) {
      const address = normaliseAddress(input.address);
      // Separate statements, each committed on its own, on purpose: of two
      // bounces recorded at once, the one counting last sees both rows.
      await db
        .insertInto('mail_soft_bounces')
        .values({ event_id: eventId, address, bounced_at: at })
        .onConflict((conflict) => conflict.column('event_id').doNothing())
        .execute();
      await db
        .deleteFrom('mail_soft_bounces')
        .where('address', '=', address)
        .where('bounced_at', '<', since)
        .execute();
      const { count } = await db
        .selectFrom('mail_soft_bounces')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('address', '=', address)
        .where('bounced_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(count);
    },
  };
}
