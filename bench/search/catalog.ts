// The catalogs `npm run bench:search` searches: the demo data set
// (src/wiring/seed.ts, set-based INSERT … SELECT, so 100,000 products take
// seconds, not 100,000 requests) at each size asked, in a fresh PostgreSQL
// database — or in a PGlite directory when no server is given — migrated,
// seeded and vacuum-analysed by bench/db/databases.ts, and dropped after.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { DEFAULT_SEED_SIZE, type SeedSize } from '../../src/wiring/seed.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { preparePglite, preparePostgres } from '../db/databases.ts';

export type CatalogEngine = 'postgres' | 'pglite';

export interface Catalog {
  readonly engine: CatalogEngine;
  readonly products: number;
  /** Where it is: the database name, or the PGlite directory. */
  readonly where: string;
  readonly seedMs: number;
  /** What the service process needs to open it (DATA_DIR, and DATABASE_URL on PostgreSQL). */
  readonly serviceEnv: Readonly<Record<string, string>>;
  /** A connection pool (PostgreSQL) or the database itself (PGlite) for in-process calls. */
  open(poolSize: number): Promise<SqlDatabase<Database>>;
  remove(): Promise<void>;
}

const sizeOf = (products: number): SeedSize => ({ ...DEFAULT_SEED_SIZE, products });

export async function prepareCatalog(
  products: number,
  postgresUrl: string | undefined,
): Promise<Catalog> {
  const started = performance.now();
  if (postgresUrl === undefined) {
    const pglite = await preparePglite({ size: sizeOf(products) });
    const { dataDir } = pglite;
    return {
      engine: 'pglite',
      products,
      where: dataDir,
      seedMs: performance.now() - started,
      serviceEnv: { DATA_DIR: dataDir },
      open: () => createPgliteDatabase<Database>({ dataDir: join(dataDir, 'pglite') }),
      remove: () => pglite.remove(),
    };
  }
  const postgres = await preparePostgres(postgresUrl, { size: sizeOf(products) });
  // The service wants a data directory even on PostgreSQL (keys, mail).
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-search-'));
  return {
    engine: 'postgres',
    products,
    where: postgres.name,
    seedMs: performance.now() - started,
    serviceEnv: { DATA_DIR: dataDir, DATABASE_URL: postgres.url },
    open: (poolSize) =>
      Promise.resolve(createPostgresDatabase<Database>({ url: postgres.url, poolSize })),
    async remove() {
      await postgres.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
