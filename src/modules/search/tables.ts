// The search module's tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case).

import type { ColumnType, Generated } from 'kysely';
import type { CatalogTables } from '../catalog/tables.ts';
import type { EventsTables } from '../events/tables.ts';

/** Runs of the search rebuild and their checkpoints (rebuild.ts, migrations/0019_search_rebuilds.sql). */
export interface SearchRebuildsTable {
  id: ColumnType<string, never, never>;
  engine: string;
  batch_size: number;
  /** bigint: read as a string. */
  indexed: ColumnType<string, string | number | undefined, string | number>;
  last_id: string | null;
  started_at: Generated<Date>;
  checkpoint_at: Generated<Date>;
  finished_at: Date | null;
}

/** The tables this code owns, as Kysely sees them. */
export type SearchTables = {
  search_rebuilds: SearchRebuildsTable;
};

/** What the rebuild reads and writes: the catalog, the outbox (to catch up) and its runs. */
export interface SearchDatabase extends SearchTables, CatalogTables, EventsTables {}
