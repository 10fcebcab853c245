// Forward-only, versioned SQL migrations: `migrations/NNNN_name.sql`, applied
// in version order (gaps allowed), each in its own transaction together with
// its row in the migrations table, so a migration is either fully applied and
// recorded or not at all. Files therefore must not contain transaction
// control or statements that refuse to run in a transaction (CREATE INDEX
// CONCURRENTLY).
//
// Applied files are immutable: their SHA-256 is recorded, and a file that no
// longer matches stops every later run until someone restores it. Fixes go in
// a new migration.
//
// Several instances may start at once. A session-level advisory lock,
// taken on one dedicated connection that also runs the migrations, makes
// them take turns; each re-reads what is applied after getting the lock, so
// every migration runs exactly once.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

/** Arbitrary but fixed: every instance of the service must use the same key. */
const MIGRATION_LOCK_KEY = '7301947562019283746';

const FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.sql$/;

export interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  readonly checksum: string;
  readonly sql: string;
}

export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  /** `missing`: recorded as applied, but no file has that version here. */
  readonly state: 'applied' | 'pending' | 'changed' | 'missing';
}

export interface MigrateOptions {
  readonly dir: string;
  readonly logger?: Logger;
  /** Default `schema_migrations`. */
  readonly table?: string;
}

export interface MigrateResult {
  readonly applied: readonly { version: number; name: string; durationMs: number }[];
}

export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  readonly file: string;

  constructor(file: string, recorded: string, actual: string) {
    super(
      `migration ${file} was changed after it was applied (recorded sha256 ${recorded}, ` +
        `file sha256 ${actual}); applied migrations are immutable, add a new migration instead`,
    );
    this.file = file;
  }
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** Reads and validates the migration files in `dir`, in version order. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of (await readdir(dir)).filter((entry) => entry.endsWith('.sql')).sort()) {
    const match = FILE_NAME.exec(file);
    if (match === null) {
      throw new Error(`migration file ${file} does not match NNNN_name.sql`);
    }
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash !== undefined) {
      throw new Error(`migrations ${clash} and ${file} share version ${version}`);
    }
    seen.set(version, file);
    const bytes = await readFile(join(dir, file));
    const checksum = createHash('sha256').update(bytes).digest('hex');
    files.push({ version, name: match[2]!, file, checksum, sql: bytes.toString('utf8') });
  }
  return files.sort((a, b) => a.version - b.version);
}

async function ensureTable(db: Kysely<unknown>, table: string): Promise<void> {
  await sql`
    create table if not exists ${sql.table(table)} (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now(),
      duration_ms integer not null
    )`.execute(db);
}

async function appliedRows(db: Kysely<unknown>, table: string): Promise<AppliedRow[]> {
  const { rows } = await sql<{ exists: boolean }>`
    select to_regclass(${table}) is not null as exists`.execute(db);
  if (rows[0]?.exists !== true) return [];
  const applied = await sql<AppliedRow>`
    select version, name, checksum from ${sql.table(table)} order by version`.execute(db);
  return applied.rows;
}

function statusOf(files: readonly MigrationFile[], applied: readonly AppliedRow[]) {
  const byVersion = new Map(applied.map((row) => [row.version, row]));
  const statuses: (MigrationStatus & { recorded?: string; file?: MigrationFile })[] = [];
  for (const file of files) {
    const row = byVersion.get(file.version);
    byVersion.delete(file.version);
    const state =
      row === undefined ? 'pending' : row.checksum === file.checksum ? 'applied' : 'changed';
    statuses.push({ version: file.version, name: file.name, state, recorded: row?.checksum, file });
  }
  for (const row of byVersion.values()) {
    statuses.push({ version: row.version, name: row.name, state: 'missing' });
  }
  return statuses.sort((a, b) => a.version - b.version);
}

/** Where each migration stands; reads only, takes no lock. */
export async function migrationStatus<DB>(
  database: SqlDatabase<DB>,
  dir: string,
  table = 'schema_migrations',
): Promise<MigrationStatus[]> {
  const files = await readMigrations(dir);
  const applied = await appliedRows(database.db as Kysely<unknown>, table);
  return statusOf(files, applied).map(({ version, name, state }) => ({ version, name, state }));
}

/** Applies the pending migrations; throws MigrationChecksumError before applying any if one changed. */
export async function migrate<DB>(
  database: SqlDatabase<DB>,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const table = options.table ?? 'schema_migrations';
  const files = await readMigrations(options.dir);
  const db = database.db as Kysely<unknown>;
  // What nearly every start finds: every file applied, unchanged, nothing
  // else recorded. One read says so, without the lock or a connection of its
  // own; anything else (pending, changed, missing) takes the full path, which
  // decides again under the lock. Applied rows are only ever added, in the
  // transaction that applies their migration, so what this read saw applied stays applied.
  if (statusOf(files, await appliedRows(db, table)).every((s) => s.state === 'applied')) {
    return { applied: [] };
  }
  return db.connection().execute(async (conn) => {
    // The lock may be held for as long as another instance migrates, and a
    // migration may legitimately run long: no statement_timeout here. RESET
    // in `finally` restores the pool's default before the connection goes back.
    await sql`set statement_timeout = 0`.execute(conn);
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    try {
      await ensureTable(conn, table);
      const statuses = statusOf(files, await appliedRows(conn, table));
      const changed = statuses.find((status) => status.state === 'changed');
      if (changed?.file !== undefined) {
        throw new MigrationChecksumError(
          changed.file.file,
          changed.recorded ?? '',
          changed.file.checksum,
        );
      }
      for (const status of statuses.filter((s) => s.state === 'missing')) {
        options.logger?.warn(
          { version: status.version, name: status.name },
          'applied migration has no file here (running an older release?)',
        );
      }
      const applied: { version: number; name: string; durationMs: number }[] = [];
      for (const status of statuses) {
        if (status.state !== 'pending' || status.file === undefined) continue;
        applied.push(await applyOne(conn, table, status.file));
        options.logger?.info(applied.at(-1), 'migration applied');
      }
      return { applied };
    } finally {
      await releaseSession(conn);
    }
  });
}

async function applyOne(conn: Kysely<unknown>, table: string, migration: MigrationFile) {
  const started = performance.now();
  try {
    const durationMs = await conn.transaction().execute(async (trx) => {
      await sql.raw(migration.sql).execute(trx);
      const elapsed = Math.round(performance.now() - started);
      await sql`
        insert into ${sql.table(table)} (version, name, checksum, duration_ms)
        values (${migration.version}, ${migration.name}, ${migration.checksum}, ${elapsed})`.execute(
        trx,
      );
      return elapsed;
    });
    return { version: migration.version, name: migration.name, durationMs };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${migration.file} failed and was rolled back: ${reason}`, {
      cause: error,
    });
  }
}

async function releaseSession(conn: Kysely<unknown>): Promise<void> {
  try {
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    await sql`reset statement_timeout`.execute(conn);
  } catch {
    // The session is broken; its end releases the lock on the server.
  }
}
