// Restores the database the service uses (same configuration) from a backup
// taken with `npm run db:backup`.
//
//   npm run db:restore -- <file>
//
// Embedded database: refuses while a process owns the data directory; checks
// that the backup opens before touching anything; moves the current
// directory aside (printed; delete it yourself once satisfied) and loads the
// backup in its place. PostgreSQL: refuses while instances of the service are
// connected, then pg_restore replaces the backed-up objects in one
// transaction.
//
// Prints what was restored; exits 1 on any failure, 2 on a usage error.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { restorePgliteDataDir } from '../src/adapters/sql/pglite-restore.ts';
import { restorePostgres, serviceSessions } from '../src/adapters/sql/postgres-backup.ts';
import { pgliteDataDir } from '../src/wiring/sql-engine.ts';
import { loadConfig } from '../src/platform/config.ts';
import { redactDatabaseUrl } from '../src/platform/sql/database-url.ts';
import { formatCounts } from '../src/platform/sql/table-counts.ts';

async function main(): Promise<number> {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: npm run db:restore -- <backup file>\n');
    return 2;
  }
  const config = loadConfig({ argv: [], env: process.env });
  const url = config.database.url;
  if (url !== undefined) {
    const sessions = await serviceSessions(url);
    if (sessions > 0) {
      throw new Error(
        `${sessions} connection(s) of the service are open on ${redactDatabaseUrl(url)}: ` +
          'stop every instance and worker first',
      );
    }
    await restorePostgres(url, resolve(file));
    process.stdout.write(`restored ${resolve(file)} into ${redactDatabaseUrl(url)}\n`);
    return 0;
  }
  const dataDir = pgliteDataDir(config);
  const archive = new Uint8Array(await readFile(file));
  const { movedAside, counts } = await restorePgliteDataDir(dataDir, archive);
  process.stdout.write(`restored ${resolve(file)} into ${resolve(dataDir)}\n`);
  process.stdout.write(`restored: ${formatCounts(counts)}\n`);
  if (movedAside !== undefined) {
    process.stdout.write(`the previous directory was moved to ${movedAside}\n`);
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(
    `restore failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
