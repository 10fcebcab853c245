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
  const dataDir = join(config.dataDir, 'pglite');
  const sql = await createPgliteDatabase<Database>({ dataDir });
  return { sql, target: `pglite ${dataDir}` };
}
