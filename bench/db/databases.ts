// The data behind the database benchmark: one PGlite directory and one fresh
// PostgreSQL database, each migrated and seeded with the full demo data set
// (10,000 products), so every id in 1..10,000 exists on every engine. The
// seed is deterministic, so both engines hold byte-identical rows.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql as sqlText } from 'kysely';
import pg from 'pg';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { DEFAULT_SEED_SIZE, seedDemoData, type SeedSize } from '../../src/wiring/seed.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';

export const PRODUCT_COUNT = DEFAULT_SEED_SIZE.products;

export interface PrepareOptions {
  /** Loads the demo data (the default); without it, the schema only. */
  readonly seed?: boolean;
  /** How much demo data; the default size (10,000 products) when absent. */
  readonly size?: SeedSize;
  /** The PostgreSQL database's name; `throughline_bench_<hex>` when absent. */
  readonly name?: string;
  /** Runs after the seed, on the same connection (e.g. stock for the order benchmark). */
  readonly afterSeed?: (sql: SqlDatabase<Database>) => Promise<void>;
}

async function migrateAndSeed(
  sql: SqlDatabase<Database>,
  options: PrepareOptions = {},
): Promise<void> {
  try {
    await migrate(sql, { dir: MIGRATIONS_DIR });
    if (options.seed === false) return;
    await seedDemoData(sql, { size: options.size ?? DEFAULT_SEED_SIZE });
    await options.afterSeed?.(sql);
    // What autovacuum does to a table of fresh rows within its first minute:
    // statistics for the planner, and the visibility map that lets counts
    // read an index alone. Done here, so no run measures before and after it.
    await sqlText`vacuum analyze`.execute(sql.db);
  } finally {
    await sql.close();
  }
}

/** A temporary DATA_DIR whose `pglite/` holds the seeded database, laid out as the service expects. */
export async function preparePglite(
  options: PrepareOptions = {},
): Promise<{ dataDir: string; remove(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-db-'));
  await migrateAndSeed(
    await createPgliteDatabase<Database>({ dataDir: join(dataDir, 'pglite') }),
    options,
  );
  return { dataDir, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

export interface BenchPostgres {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** Runs one statement on the maintenance database; undefined result when the server is unreachable. */
async function onServer(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates `throughline_bench_<hex>` (or `options.name`) next to the admin URL's database, migrated
 * and (unless told otherwise) seeded; throws (with the driver's reason) when the server is unreachable.
 */
export async function preparePostgres(
  adminUrl: string,
  options: PrepareOptions = {},
): Promise<BenchPostgres> {
  const name = options.name ?? `throughline_bench_${randomBytes(4).toString('hex')}`;
  await onServer(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = (): Promise<void> =>
    onServer(adminUrl, `drop database if exists ${name} with (force)`);
  try {
    await migrateAndSeed(createPostgresDatabase<Database>({ url: url.href }), options);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.href, name, drop };
}
