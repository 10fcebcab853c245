// The embedded engine: PostgreSQL 18 in WebAssembly, in this process. Data
// lives in a directory (or in memory), so development and tests need no
// server. One connection only: transactions run one at a time (see
// pglite-driver.ts), which suits a single instance, not a fleet.
//
// A data directory has exactly one owner: the adapter takes its lock file
// (platform/directory-lock.ts) before PGlite touches a byte, and a directory
// PostgreSQL cannot recover is reported as such (pglite-open-errors.ts)
// instead of as WebAssembly's bare "Aborted()".
import { cp, mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ParserOptions } from '@electric-sql/pglite';
import { types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { Kysely, sql, type LogEvent } from 'kysely';
import type { SqlDatabase } from '../../ports/sql.ts';
import { lockDirectory, type DirectoryLock } from '../../platform/directory-lock.ts';
import type { Logger } from '../../platform/logger.ts';
import { workAwareDialect } from '../../platform/sql/work-aware-dialect.ts';
import { assembleSqlDatabase } from '../../platform/sql/sql-database.ts';
import { QueryObservers } from '../../platform/sql/query-observers.ts';
import { slowQueryLog } from '../../platform/sql/slow-queries.ts';
import { eachQueryLog } from '../../platform/sql/query-log.ts';
import { keepText, TEXT_ARRAY_OIDS, TEXT_SCALAR_OIDS } from '../../platform/sql/type-parsers.ts';
import { pgliteDialect } from './pglite-driver.ts';
import { EngineLog, lockRefusal, openFailure } from './pglite-open-errors.ts';

export interface PgliteDatabaseOptions {
  /** Directory holding the data; created when missing. Absent: in memory. */
  readonly dataDir?: string;
  /** A snapshot (see `snapshot`) to start from: into an empty `dataDir`, or into memory. */
  readonly archive?: Uint8Array;
  /** Receives PostgreSQL's own log lines (its stderr), for the caller's logger. */
  readonly onEngineLog?: (line: string) => void;
  /**
   * The lock the caller already holds for this directory (a restore loads
   * into a directory its own lock covers); the caller releases it.
   */
  readonly heldLock?: DirectoryLock;
  /**
   * Runs once the directory's lock is held and before the engine opens it:
   * fills a new (empty) directory from a template (pglite-template.ts).
   */
  readonly prepareDirectory?: (dataDir: string) => Promise<unknown>;
  /**
   * PostgreSQL's shared_buffers, in MiB, overriding the data directory's
   * postgresql.conf (where initdb wrote 128 MB). PostgreSQL zeroes all of it
   * at every open, and in WebAssembly that is a loop on this thread: each
   * 32 MB costs roughly a tenth of a second of start-up on a slow core.
   */
  readonly sharedBuffersMb?: number;
  /** Logs statements this slow or slower at warn (slow-queries.ts). */
  readonly slowQueries?: { readonly thresholdMs: number; readonly logger: Logger };
  /** One more `log` callback (the query spans), beside the slow-query log. */
  readonly queryLog?: (database: string) => ((event: LogEvent) => void) | undefined;
}

export interface PgliteDatabase<DB> extends SqlDatabase<DB> {
  /**
   * The whole database as a gzip'd tar of its data directory, taken after a
   * checkpoint while no other query or transaction runs: a consistent copy,
   * loadable with `archive`.
   */
  snapshot(): Promise<Uint8Array>;
  /**
   * Copies the data directory's files into the (empty) directory `target`,
   * after a checkpoint and while no other query or transaction runs: the
   * copy opens as the database did at that moment (as a backup does, after a
   * crash recovery with nothing to replay). Only for a database on disk.
   */
  copyFiles(target: string): Promise<void>;
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

/** Where the owner lock of a data directory lives: beside it, so a restore can replace the directory. */
export function pgliteLockPath(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

export async function createPgliteDatabase<DB>(
  options: PgliteDatabaseOptions = {},
): Promise<PgliteDatabase<DB>> {
  const { dataDir } = options;
  let lock: DirectoryLock | undefined;
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    try {
      if (options.heldLock === undefined) lock = await lockDirectory(pgliteLockPath(dataDir));
    } catch (error) {
      throw lockRefusal(dataDir, error);
    }
    try {
      await options.prepareDirectory?.(dataDir);
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }
  const log = new EngineLog(options.onEngineLog);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({
      dataDir: dataDir ?? 'memory://',
      extensions: { pg_trgm, unaccent },
      parsers: parsers(),
      ...(options.archive === undefined ? {} : { loadDataDir: new Blob([options.archive]) }),
      ...(options.sharedBuffersMb === undefined
        ? {}
        : {
            startParams: [
              ...PGlite.defaultStartParams,
              '-c',
              `shared_buffers=${options.sharedBuffersMb}MB`,
            ],
          }),
      onStderr: (line) => log.write(line),
    });
  } catch (error) {
    await lock?.release();
    throw await openFailure(dataDir, error, log.recent());
  }
  const owner = {};
  const slowQueries = eachQueryLog(
    options.slowQueries === undefined
      ? undefined
      : slowQueryLog({ ...options.slowQueries, database: 'pglite' }),
    options.queryLog?.('pglite'),
  );
  const queries = new QueryObservers();
  const primary = new Kysely<DB>({
    dialect: workAwareDialect(pgliteDialect(pglite, owner)),
    log: queries.logFor('pglite', slowQueries),
  });
  const database = assembleSqlDatabase({ engine: 'pglite', owner, primary, queries });
  let closing: Promise<void> | undefined;
  return {
    ...database,
    get reader() {
      return database.reader;
    },
    close() {
      closing ??= database.close().finally(() => lock?.release());
      return closing;
    },
    snapshot: () =>
      // One checkout holds the driver's lock: nothing else runs until the copy is taken.
      primary.connection().execute(async (connection) => {
        await sql`checkpoint`.execute(connection);
        const archive = await pglite.dumpDataDir('gzip');
        return new Uint8Array(await archive.arrayBuffer());
      }),
    copyFiles: async (target) => {
      if (dataDir === undefined) throw new Error('an in-memory database has no files to copy');
      await primary.connection().execute(async (connection) => {
        await sql`checkpoint`.execute(connection);
        // The server's lock file, where the engine writes one, belongs to this process alone.
        await cp(dataDir, target, {
          recursive: true,
          filter: (source) => basename(source) !== 'postmaster.pid',
        });
      });
    },
  };
}
