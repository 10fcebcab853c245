// The mail tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';

/** Addresses no mail goes to (src/modules/mail/, migrations/0015_mail_suppressions.sql). */
export interface MailSuppressionsTable {
  id: Generated<string>;
  /** Trimmed and lower-cased. */
  address: string;
  reason: 'hard_bounce' | 'complaint' | 'manual' | 'soft_bounce_limit';
  detail: Generated<string>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Recent soft bounces, one per provider event (migrations/0015_mail_suppressions.sql). */
export interface MailSoftBouncesTable {
  event_id: string;
  address: string;
  bounced_at: Date;
}

/** The tables this code owns, as Kysely sees them. */
export type MailTables = {
  mail_suppressions: MailSuppressionsTable;
  mail_soft_bounces: MailSoftBouncesTable;
};
