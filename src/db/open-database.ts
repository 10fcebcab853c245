// Which engine backs the `sql` port, decided once from config: PostgreSQL
// when DATABASE_URL is set, otherwise embedded PGlite under DATA_DIR.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPgliteDatabase } from '../adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../adapters/sql/postgres.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { redactDatabaseUrl } from '../platform/sql/database-url.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Database } from './schema.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface OpenedDatabase {
  readonly sql: SqlDatabase<Database>;
  /** Where the data lives, safe to log (no credentials). */
  readonly target: string;
  /** The embedded engine's consistent copy of itself (backups); absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
}

/** The embedded database's directory under DATA_DIR. */
export function pgliteDataDir(config: Config): string {
  return join(config.dataDir, 'pglite');
}

/**
 * PostgreSQL's own log lines from the embedded engine. A failed statement's
 * ERROR line is debug: its caller gets the error and decides what it means
 * (a unique violation is a 409, not a problem).
 */
function engineLogger(logger: Logger): (line: string) => void {
  return (line) => {
    if (/\b(FATAL|PANIC):/.test(line)) logger.error({ engine: 'pglite' }, line);
    else if (/\bWARNING:/.test(line)) logger.warn({ engine: 'pglite' }, line);
    else logger.debug({ engine: 'pglite' }, line);
  };
}

export async function openDatabase(config: Config, logger: Logger): Promise<OpenedDatabase> {
  const database = config.database;
  if (database.url !== undefined) {
    const sql = createPostgresDatabase<Database>({
      url: database.url,
      poolSize: database.poolSize,
      acquireTimeoutMs: database.acquireTimeoutMs,
      idleTimeoutMs: database.idleTimeoutMs,
      maxLifetimeSeconds: database.maxLifetimeSeconds,
      statementTimeoutMs: database.statementTimeoutMs,
      replicaUrls: database.replicaUrls,
      logger,
    });
    return { sql, target: redactDatabaseUrl(database.url) };
  }
  const dataDir = pgliteDataDir(config);
  const sql = await createPgliteDatabase<Database>({
    dataDir,
    onEngineLog: engineLogger(logger),
  });
  return { sql, target: `pglite ${dataDir}`, snapshot: () => sql.snapshot() };
}
