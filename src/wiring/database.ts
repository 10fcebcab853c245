// Start-up for the database: open the configured engine, register it for
// shutdown (it closes after the HTTP server, which was opened later), apply
// migrations when configured to, and load the demo data into an empty
// development database. The embedded engine also answers `npm run db:backup`
// over the control socket (platform/control-socket.ts) while the process runs.
//
// A new embedded database is copied from a template (sql-engine.ts) that
// already went through what this start would do to it: the migrations, and
// the demo data when it would load them — seconds of WebAssembly saved on
// every new data directory but the first, which saves the template. The demo
// data are deterministic, so the copy holds what loading them would have
// produced (the password hashes, salted once, are the template's).
//
// Only what opening needs is loaded up front (the web process loads the rest
// of the service meanwhile); the demo data's code, and argon2 with it, only
// when the demo data may be loaded.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '../platform/config.ts';
import { controlSocketPath, startControlSocket } from '../platform/control-socket.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { migrate, readMigrations } from '../platform/sql/migrator.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { openDatabase } from './sql-engine.ts';
import type { Database } from './tables.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
const SEED_SOURCE = new URL('./seed.ts', import.meta.url);

export interface PreparedDatabase {
  readonly sql: SqlDatabase<Database>;
  /** The embedded engine's consistent copy of itself (backups); absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
}

/**
 * The name of what this start does to a new database, for its template: the
 * migrations, then the demo data when they would be loaded — unless a pepper
 * is configured (the hashes would depend on a secret that must stay out of a
 * cache's key, so the demo data are then loaded in place).
 */
async function newDatabaseContents(config: Config): Promise<string> {
  const files = await readMigrations(MIGRATIONS_DIR);
  const migrations = files.map((file) => `${file.file} ${file.checksum}`).join('\n');
  if (!seedsIntoTemplate(config)) return migrations;
  const { passwordHashMemoryKib, passwordHashTimeCost } = config.security;
  const seed = createHash('sha256')
    .update(await readFile(SEED_SOURCE))
    .digest('hex');
  return `${migrations}\ndemo data ${seed} m=${passwordHashMemoryKib} t=${passwordHashTimeCost}`;
}

function seedsIntoTemplate(config: Config): boolean {
  return config.database.seedOnStart && config.security.pepper === undefined;
}

export async function prepareDatabase(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
): Promise<PreparedDatabase> {
  const started = performance.now();
  // Templates only where migrations run on start: they hold the schema.
  const template = config.database.migrateOnStart
    ? { contents: await newDatabaseContents(config) }
    : undefined;
  const { sql, target, snapshot, fromTemplate, saveTemplate } = await openDatabase(config, logger, {
    template,
  });
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
  if (config.database.migrateOnStart) await migrate(sql, { dir: MIGRATIONS_DIR, logger });
  const seedFirst = seedsIntoTemplate(config);
  if (seedFirst) await loadDemoDataIfEmpty(config, logger, sql, fromTemplate === true);
  // Now the database holds exactly what the template's name says, and nothing has used it yet.
  await saveTemplate?.();
  if (config.database.seedOnStart && !seedFirst) {
    await loadDemoDataIfEmpty(config, logger, sql, false);
  }
  return snapshot === undefined ? { sql } : { sql, snapshot };
}

/** Loads the demo data into an empty database; one that came with them from a template says so. */
async function loadDemoDataIfEmpty(
  config: Config,
  logger: Logger,
  sql: SqlDatabase<Database>,
  fromTemplate: boolean,
): Promise<void> {
  const { DEFAULT_SEED_SIZE, DEMO_ACCOUNTS, isDatabaseEmpty, seedDemoData } =
    await import('./seed.ts');
  if (fromTemplate) {
    logger.info({ ...DEFAULT_SEED_SIZE, fromTemplate }, 'demo data loaded');
  } else {
    if (!(await isDatabaseEmpty(sql.db))) return;
    const { configuredPasswordHasher } = await import('../modules/users/passwords.ts');
    const seeded = performance.now();
    const counts = await seedDemoData(sql, {
      passwords: configuredPasswordHasher(config.security),
    });
    logger.info({ ...counts, ms: Math.round(performance.now() - seeded) }, 'demo data loaded');
  }
  if (config.nodeEnv === 'development') {
    // Demo credentials only ever appear in development logs.
    // (Not as a `password` field: the logger redacts those, rightly.)
    const { email, password } = DEMO_ACCOUNTS.admin;
    logger.info(`demo admin account (development only): ${email} / ${password}`);
  }
}
