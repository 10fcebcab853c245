// Databases for tests. Booting PGlite on an empty directory runs initdb,
// which takes seconds; booting on an existing data directory takes well under
// one. So the first test process that needs a database builds a migrated
// template directory (keyed by the migrations' contents) and every test copies
// it. One process builds a template at a time (a lock file); the others wait
// for it, and a builder that died leaves a stale lock the next one takes over.

import { createHash } from 'node:crypto';
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createPgliteDatabase, type PgliteDatabaseOptions } from '../../src/adapters/sql/pglite.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { seedDemoData, type SeedSize } from '../../src/wiring/seed.ts';
import {
  DirectoryLockedError,
  lockDirectory,
  type DirectoryLock,
} from '../../src/platform/directory-lock.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { TEST_PASSWORD_HASH_COST, testPasswordHasher } from './passwords.ts';

const TEMPLATE_ROOT = join(tmpdir(), 'throughline-pglite-templates');
const SEED_SOURCE = fileURLToPath(new URL('../../src/wiring/seed.ts', import.meta.url));

/**
 * Appended to every template's postgresql.conf. PostgreSQL clears its shared
 * buffers at start-up, and in PGlite that is WebAssembly doing it on the test's
 * own thread: with the default 128 MB, a third of each open. The test
 * databases are a few megabytes of data, so a smaller pool holds all of it.
 */
const TEST_POSTGRESQL_CONF =
  '\n# Test databases are small (test/support/database.ts).\nshared_buffers = 16MB\n';

/** A small, fast demo data set for tests that need rows but not 10,000 products. */
export const TEST_SEED_SIZE: SeedSize = { products: 200, customers: 5, orders: 20 };

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Keyed by everything that goes into a template: a change to any makes a new one. */
async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(MIGRATIONS_DIR)).sort()) {
    hash.update(name).update(await readFile(join(MIGRATIONS_DIR, name)));
  }
  hash.update(await readFile(SEED_SOURCE));
  hash.update(JSON.stringify(TEST_PASSWORD_HASH_COST)).update(TEST_POSTGRESQL_CONF);
  return hash.digest('hex').slice(0, 16);
}

/** A migrated (and optionally seeded) PGlite data directory to copy from. */
export async function pgliteTemplate(seeded: boolean): Promise<string> {
  const dir = join(TEMPLATE_ROOT, `${await templateKey()}${seeded ? '-seeded' : ''}`);
  if (await exists(join(dir, 'PG_VERSION'))) return dir;
  await mkdir(TEMPLATE_ROOT, { recursive: true });
  // A run starts several test processes at once, and all of them want the
  // template: one builds it (initdb, migrations, seed: seconds of a core)
  // while the others wait for it instead of building the same thing too.
  const lock = await buildLock(`${dir}.lock`);
  try {
    if (!(await exists(join(dir, 'PG_VERSION')))) await buildTemplate(dir, seeded);
  } finally {
    await lock.release();
  }
  return dir;
}

/** The template builder's lock; a holder that died leaves a stale lock the next one takes over. */
async function buildLock(path: string): Promise<DirectoryLock> {
  for (;;) {
    try {
      return await lockDirectory(path);
    } catch (error) {
      if (!(error instanceof DirectoryLockedError)) throw error;
      await delay(100);
    }
  }
}

async function buildTemplate(dir: string, seeded: boolean): Promise<void> {
  const building = await mkdtemp(join(TEMPLATE_ROOT, 'build-'));
  const sql = await createPgliteDatabase<Database>({ dataDir: building });
  try {
    await migrate(sql, { dir: MIGRATIONS_DIR });
    if (seeded) await seedDemoData(sql, { size: TEST_SEED_SIZE, passwords: testPasswordHasher });
  } finally {
    await sql.close();
  }
  await appendFile(join(building, 'postgresql.conf'), TEST_POSTGRESQL_CONF);
  try {
    await rename(building, dir);
  } catch {
    // Another process built it without waiting for the lock; its template is identical.
    await rm(building, { recursive: true, force: true });
  }
}

/** Copies the template into `dataDir/pglite`, as the service lays it out. */
export async function preparePgliteDataDir(dataDir: string, seeded = true): Promise<void> {
  await cp(await pgliteTemplate(seeded), join(dataDir, 'pglite'), { recursive: true });
}

export interface TestDatabase {
  readonly sql: SqlDatabase<Database>;
  close(): Promise<void>;
}

/** A private, migrated PGlite database (seeded with TEST_SEED_SIZE unless told not to). */
export async function openTestDatabase(
  options: { seeded?: boolean; queryLog?: PgliteDatabaseOptions['queryLog'] } = {},
): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-db-'));
  await cp(await pgliteTemplate(options.seeded ?? true), dir, { recursive: true });
  const sql = await createPgliteDatabase<Database>({ dataDir: dir, queryLog: options.queryLog });
  return {
    sql,
    async close() {
      await sql.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
