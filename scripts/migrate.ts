// Applies pending migrations, or with `status` only reports them.
//
//   node scripts/migrate.ts           apply, then print the status table
//   node scripts/migrate.ts status    print the status table
//
// Runs against the database the service would use with the same settings:
// DATABASE_URL when set, else the embedded PGlite database in $DATA_DIR/pglite.
// Exits 1 when an applied migration was changed, or when anything fails.
import { MIGRATIONS_DIR } from '../src/wiring/database.ts';
import { openDatabase } from '../src/wiring/sql-engine.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { migrate, migrationStatus } from '../src/platform/sql/migrator.ts';
import type { MigrationStatus } from '../src/platform/sql/migrator.ts';

function formatTable(rows: readonly MigrationStatus[]): string {
  const lines = rows.map((row) => [String(row.version).padStart(4, '0'), row.name, row.state]);
  const header = ['version', 'name', 'state'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}

async function main(command: string | undefined): Promise<number> {
  if (command !== undefined && command !== 'status') {
    process.stderr.write(`unknown command ${command}; usage: migrate.ts [status]\n`);
    return 2;
  }
  // Logs go to stderr so stdout holds only the table.
  const logger = createLogger({
    level: process.env.LOG_LEVEL ?? 'info',
    destination: process.stderr,
  });
  // The same configuration as the service (env, CONFIG_FILE, *_FILE secrets).
  const { sql: database, target } = await openDatabase(
    loadConfig({ argv: [], env: process.env }),
    logger,
  );
  try {
    process.stdout.write(`database: ${target}\n`);
    if (command === undefined) {
      const { applied } = await migrate(database, { dir: MIGRATIONS_DIR, logger });
      process.stdout.write(`applied ${applied.length} migration(s)\n`);
    }
    const rows = await migrationStatus(database, MIGRATIONS_DIR);
    process.stdout.write(`${formatTable(rows)}\n`);
    return rows.some((row) => row.state === 'changed') ? 1 : 0;
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
