// Deleting rows whose time has passed, in bounded batches: one statement
// removes at most `batch` rows (a short lock, a small WAL burst), and the
// loop runs until a statement removes fewer. For the maintenance schedule
// (src/wiring/maintenance.ts); each module names its own tables and margins.

import { sql as raw, type Kysely } from 'kysely';

export interface ExpiredRows<DB> {
  /** The table, one of the caller's. */
  readonly table: keyof DB & string;
  /** A unique column (or the primary key's first column when it is unique alone). */
  readonly key: string;
  /** The timestamptz column compared with `before`. */
  readonly time: string;
}

/** Deletes the rows of `rows.table` whose `time` is before `before`; resolves with how many. */
export async function deleteExpired<DB>(
  db: Kysely<DB>,
  rows: ExpiredRows<DB>,
  before: Date,
  batch = 1000,
): Promise<number> {
  const table = raw.table(rows.table);
  const key = raw.ref(rows.key);
  const time = raw.ref(rows.time);
  let total = 0;
  for (;;) {
    const result = await raw`
      delete from ${table} where ${key} in (
        select ${key} from ${table} where ${time} < ${before} limit ${batch}
      )`.execute(db);
    const removed = Number(result.numAffectedRows ?? 0n);
    total += removed;
    if (removed < batch) return total;
  }
}
