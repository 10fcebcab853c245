// The audit tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType } from 'kysely';

/**
 * Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), so nothing is
 * updatable; rows are written by modules/audit/repo.ts with raw SQL because
 * the id is chosen before the insert (`overriding system value`).
 */
export interface AuditLogTable {
  id: ColumnType<string, string, never>;
  occurred_at: ColumnType<Date, Date, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  actor_ip: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  target_type: ColumnType<string | null, string | null, never>;
  target_id: ColumnType<string | null, string | null, never>;
  outcome: ColumnType<'success' | 'failure' | 'denied', 'success' | 'failure' | 'denied', never>;
  /** jsonb, always an object; written as JSON text. */
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

/** The tables this code owns, as Kysely sees them. */
export type AuditTables = {
  audit_log: AuditLogTable;
};
