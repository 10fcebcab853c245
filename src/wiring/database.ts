// Start-up for the database: open the configured engine, register it for
// shutdown (it closes after the HTTP server, which was opened later), apply
// migrations when configured to, and load the demo data into an empty
// development database. The embedded engine also answers `npm run db:backup`
// over the control socket (platform/control-socket.ts) while the process runs.

import { fileURLToPath } from 'node:url';
import { configuredPasswordHasher } from '../modules/users/passwords.ts';
import type { Config } from '../platform/config.ts';
import { controlSocketPath, startControlSocket } from '../platform/control-socket.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { migrate } from '../platform/sql/migrator.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { openDatabase } from './engines.ts';
import type { Database } from './tables.ts';
import { DEMO_ACCOUNTS, isDatabaseEmpty, seedDemoData } from './seed.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface PreparedDatabase {
  readonly sql: SqlDatabase<Database>;
  /** The embedded engine's consistent copy of itself (backups); absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
}

export async function prepareDatabase(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<PreparedDatabase> {
  const started = performance.now();
  const { sql, target, snapshot } = await openDatabase(config, logger);
  lifecycle.add({ name: 'database', close: () => sql.close() });
  if (snapshot !== undefined) {
    const socket = await startControlSocket(
      controlSocketPath(config.dataDir),
      { snapshot },
      logger,
    );
    if (socket !== undefined)
      lifecycle.add({ name: 'control socket', close: () => socket.close() });
  }
  logger.info(
    { engine: sql.engine, target, ms: Math.round(performance.now() - started) },
    'database open',
  );
  if (config.database.migrateOnStart) {
    await migrate(sql, { dir: MIGRATIONS_DIR, logger });
  }
  if (config.database.seedOnStart && (await isDatabaseEmpty(sql.db))) {
    const seeded = performance.now();
    const counts = await seedDemoData(sql, {
      passwords: configuredPasswordHasher(config.security),
    });
    logger.info({ ...counts, ms: Math.round(performance.now() - seeded) }, 'demo data loaded');
    if (config.nodeEnv === 'development') {
      // Demo credentials only ever appear in development logs.
      // (Not as a `password` field: the logger redacts those, rightly.)
      const { email, password } = DEMO_ACCOUNTS.admin;
      logger.info(`demo admin account (development only): ${email} / ${password}`);
    }
  }
  return snapshot === undefined ? { sql } : { sql, snapshot };
}
