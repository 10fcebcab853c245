// Backup files on disk: named by engine and UTC time (so they sort by age),
// written so that a file with the final name is always complete (temporary
// name, fsync, rename, fsync of the directory — a crash mid-write leaves a
// `.partial` file, never a truncated backup), and pruned to the newest N.

import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const PREFIX = 'throughline-';

export type BackupEngine = 'pglite' | 'postgres';

const EXTENSION: Readonly<Record<BackupEngine, string>> = {
  pglite: '.tar.gz',
  postgres: '.dump',
};

/**
 * `throughline-pglite-20261206T031500123Z.tar.gz` (UTC, to the millisecond):
 * sorts by age, no characters a shell must quote.
 */
export function backupFileName(engine: BackupEngine, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${PREFIX}${engine}-${stamp}${EXTENSION[engine]}`;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to `path` durably: complete under the final name, or not there at all. */
export async function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.partial`);
  const handle = await open(partial, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, path);
  await fsyncDirectory(dirname(path));
}

/** Removes all but the newest `keep` backups of `engine` in `dir`; returns the removed names. */
export async function pruneBackups(
  dir: string,
  engine: BackupEngine,
  keep: number,
): Promise<string[]> {
  const pattern = `${PREFIX}${engine}-`;
  const names = (await readdir(dir))
    .filter((name) => name.startsWith(pattern) && name.endsWith(EXTENSION[engine]))
    .sort();
  const removed = names.slice(0, Math.max(0, names.length - keep));
  for (const name of removed) await unlink(join(dir, name));
  return removed;
}
