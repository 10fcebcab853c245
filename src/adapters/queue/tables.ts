// The job queue tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Id } from '../../platform/sql/columns.ts';

/** The job queue (src/adapters/queue/postgres.ts, migrations/0010_jobs.sql). */
export interface JobsTable {
  id: Id;
  queue: string;
  /** jsonb: written as JSON text. */
  payload: ColumnType<unknown, string, never>;
  /** `waiting`: a flow's parent whose children have not all completed (0012_job_flows.sql). */
  state: Generated<'waiting' | 'pending' | 'running' | 'completed' | 'dead'>;
  run_at: ColumnType<Date, Date | undefined, Date>;
  attempts: Generated<number>;
  max_attempts: number;
  /** jsonb { baseMs, maxMs, jitter, delaysMs? }: written as JSON text. */
  backoff: ColumnType<unknown, string, never>;
  idempotency_key: string | null;
  lease_token: string | null;
  lease_until: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  /** The flow parent this job is a child of (int8 as text). */
  parent_id: ColumnType<string | null, string | null | undefined, never>;
  /** How many of a waiting parent's children have not completed yet. */
  pending_children: Generated<number>;
}

/** The tables this code owns, as Kysely sees them. */
export type QueueTables = {
  jobs: JobsTable;
};
