// Scheduled backups of the embedded database: on BACKUP_SCHEDULE (cron, UTC)
// a job takes a snapshot from the process that owns the database, writes it
// durably to BACKUP_DIR and keeps the newest BACKUP_KEEP. A job on the queue
// like any other maintenance, so a failed backup is retried and, in the end,
// visible as a dead letter on the jobs dashboard.
//
// PostgreSQL servers are backed up with their own tools (pg_dump, or base
// backups with WAL archiving for point-in-time recovery): docs/operations.md.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from './config.ts';
import { backupFileName, pruneBackups, writeFileDurably } from './backup-files.ts';
import type { Logger } from './logger.ts';
import type { Scheduler } from './scheduler.ts';
import type { JobQueue } from '../ports/queue.ts';

export const BACKUP_QUEUE = 'maintenance.backup';

export interface WrittenBackup {
  readonly file: string;
  readonly bytes: number;
}

/** Where backups go: BACKUP_DIR, else DATA_DIR/backups. */
export function backupDir(config: Config): string {
  return resolve(config.backup.dir ?? join(config.dataDir, 'backups'));
}

/** Takes a snapshot and writes it as a new backup file in `dir`. */
export async function writeEmbeddedBackup(
  snapshot: () => Promise<Uint8Array>,
  dir: string,
): Promise<WrittenBackup> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const archive = await snapshot();
  const file = join(dir, backupFileName('pglite'));
  await writeFileDurably(file, archive);
  return { file, bytes: archive.byteLength };
}

export interface ScheduledBackupDeps {
  readonly queue: JobQueue;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly snapshot: () => Promise<Uint8Array>;
  readonly cron: string;
  readonly dir: string;
  readonly keep: number;
}

export function startScheduledBackups(deps: ScheduledBackupDeps): void {
  deps.scheduler.add({ name: BACKUP_QUEUE, cron: deps.cron });
  deps.queue.process(BACKUP_QUEUE, async () => {
    const started = performance.now();
    const written = await writeEmbeddedBackup(deps.snapshot, deps.dir);
    const removed = await pruneBackups(deps.dir, 'pglite', deps.keep);
    deps.logger.info(
      { ...written, removed, ms: Math.round(performance.now() - started) },
      'database backup written',
    );
  });
}
