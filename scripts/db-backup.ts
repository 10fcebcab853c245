// Takes a backup of the database the service uses (same configuration).
//
//   npm run db:backup                 into BACKUP_DIR (default DATA_DIR/backups)
//   npm run db:backup -- <file>       into <file>
//
// Embedded database: a consistent snapshot of the data directory. While the
// service runs, the snapshot comes from it over its control socket (only the
// owning process may read the files); otherwise this command opens the
// directory itself. The snapshot is opened in memory and its rows counted
// before the file is written, so a backup that would not restore is never
// reported as taken. PostgreSQL: pg_dump's custom format.
//
// Prints the file and the rows per table; exits 1 on any failure.

import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createPgliteDatabase, pgliteLockPath } from '../src/adapters/sql/pglite.ts';
import { holdsDatabase } from '../src/adapters/sql/pglite-open-errors.ts';
import { inspectPgliteArchive } from '../src/adapters/sql/pglite-restore.ts';
import { dumpPostgres } from '../src/adapters/sql/postgres-backup.ts';
import { pgliteDataDir } from '../src/wiring/sql-engine.ts';
import { backupDir } from '../src/platform/scheduled-backups.ts';
import { backupFileName, writeFileDurably } from '../src/platform/backup-files.ts';
import { loadConfig, type Config } from '../src/platform/config.ts';
import { controlSocketPath, requestSnapshot } from '../src/platform/control-socket.ts';
import { liveLockOwner } from '../src/platform/directory-lock.ts';
import { formatCounts } from '../src/platform/sql/table-counts.ts';
import { StartupError } from '../src/platform/startup-error.ts';

async function embeddedSnapshot(config: Config): Promise<{ archive: Uint8Array; via: string }> {
  const dataDir = pgliteDataDir(config);
  const owner = await liveLockOwner(pgliteLockPath(dataDir));
  if (owner !== undefined) {
    const socket = controlSocketPath(config.dataDir);
    try {
      return { archive: await requestSnapshot(socket), via: `running process ${owner.pid}` };
    } catch (error) {
      throw new Error(
        `pid ${owner.pid} owns ${resolve(dataDir)} but its control socket ${socket} did not ` +
          `answer (${(error as Error).message}); stop it and run the backup again, or use ` +
          'scheduled backups (BACKUP_SCHEDULE)',
        { cause: error },
      );
    }
  }
  if (!(await holdsDatabase(dataDir))) {
    throw new Error(`there is no embedded database in ${resolve(dataDir)}`);
  }
  const database = await createPgliteDatabase({ dataDir });
  try {
    return { archive: await database.snapshot(), via: 'the data directory (no process owns it)' };
  } finally {
    await database.close();
  }
}

async function backupEmbedded(config: Config, file: string | undefined): Promise<string> {
  const { archive, via } = await embeddedSnapshot(config);
  const counts = await inspectPgliteArchive(archive);
  const target = resolve(file ?? join(backupDir(config), backupFileName('pglite')));
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  await writeFileDurably(target, archive);
  process.stdout.write(
    `backup written: ${target} (${archive.byteLength} bytes, from ${via})\n` +
      `verified: ${formatCounts(counts)}\n`,
  );
  return target;
}

async function backupPostgres(url: string, config: Config, file: string | undefined) {
  const target = resolve(file ?? join(backupDir(config), backupFileName('postgres')));
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  // pg_dump writes as it goes: a file with the final name is a finished dump.
  const partial = join(dirname(target), `.${Date.now()}.dump.partial`);
  await dumpPostgres(url, partial);
  await rename(partial, target);
  const { size } = await stat(target);
  process.stdout.write(`backup written: ${target} (${size} bytes, pg_dump custom format)\n`);
}

async function main(): Promise<number> {
  const file = process.argv[2];
  const config = loadConfig({ argv: [], env: process.env });
  if (config.database.url !== undefined) await backupPostgres(config.database.url, config, file);
  else await backupEmbedded(config, file);
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`backup failed: ${message}\n`);
  const cause =
    error instanceof Error && !(error instanceof StartupError) ? error.cause : undefined;
  if (cause instanceof Error) process.stderr.write(`  cause: ${cause.message}\n`);
  process.exitCode = 1;
}
