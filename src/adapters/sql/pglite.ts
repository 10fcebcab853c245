// The embedded engine: PostgreSQL 18 in WebAssembly, in this process. Data
// lives in a directory (or in memory), so development and tests need no
// server. One connection only: transactions run one at a time (see
// pglite-driver.ts), which suits a single instance, not a fleet.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { ParserOptions } from '@electric-sql/pglite';
import { types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely } from 'kysely';
import type { SqlDatabase } from '../../ports/sql.ts';
import { assembleSqlDatabase } from '../../platform/sql/sql-database.ts';
import { keepText, TEXT_ARRAY_OIDS, TEXT_SCALAR_OIDS } from '../../platform/sql/type-parsers.ts';
import { pgliteDialect } from './pglite-driver.ts';

export interface PgliteDatabaseOptions {
  /** Directory holding the data; created when missing. Absent: in memory. */
  readonly dataDir?: string;
}

/** The port's type mapping (type-parsers.ts) in PGlite's terms. */
function parsers(): ParserOptions {
  const table: ParserOptions = {};
  for (const oid of TEXT_SCALAR_OIDS) table[oid] = keepText;
  for (const oid of TEXT_ARRAY_OIDS) {
    table[oid] = (value: string) => types.arrayParser(value, keepText, oid) as unknown;
  }
  return table;
}

export async function createPgliteDatabase<DB>(
  options: PgliteDatabaseOptions = {},
): Promise<SqlDatabase<DB>> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir: options.dataDir ?? 'memory://',
    extensions: { pg_trgm },
    parsers: parsers(),
  });
  const owner = {};
  const primary = new Kysely<DB>({ dialect: pgliteDialect(pglite, owner) });
  return assembleSqlDatabase({ engine: 'pglite', owner, primary });
}
