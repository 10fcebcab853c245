// Restoring the embedded database from a snapshot (pglite.ts `snapshot`).
// Nothing is lost on the way: the directory's lock is taken first (a restore
// refuses while a process owns the data, and no process can start on a
// half-restored directory), the backup is loaded and opened in a directory
// beside the current one, and only a backup that opened is swapped in — the
// current directory is moved aside, never deleted.

import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { lockDirectory } from '../../platform/directory-lock.ts';
import { tableRowCounts } from '../../platform/sql/table-counts.ts';
import { createPgliteDatabase, pgliteLockPath } from './pglite.ts';
import { lockRefusal } from './pglite-open-errors.ts';

export interface RestoreResult {
  /** Where the replaced directory went; undefined when there was none. */
  readonly movedAside: string | undefined;
  /** Rows per table in the restored database. */
  readonly counts: Record<string, number>;
}

const NOT_A_BACKUP = 'the file is not a loadable backup of the embedded database';

/** Opens an archive in memory and counts its rows: proof that it is a loadable database. */
export async function inspectPgliteArchive(archive: Uint8Array): Promise<Record<string, number>> {
  let database;
  try {
    database = await createPgliteDatabase({ archive });
  } catch (error) {
    throw new Error(NOT_A_BACKUP, { cause: error });
  }
  try {
    return await tableRowCounts(database.db);
  } finally {
    await database.close();
  }
}

const stamp = () => new Date().toISOString().replace(/[-:.]/g, '');

export async function restorePgliteDataDir(
  dataDir: string,
  archive: Uint8Array,
): Promise<RestoreResult> {
  const directory = resolve(dataDir);
  let lock;
  try {
    lock = await lockDirectory(pgliteLockPath(directory));
  } catch (error) {
    throw lockRefusal(directory, error);
  }
  const incoming = `${directory}.restoring-${stamp()}`;
  try {
    let counts: Record<string, number>;
    try {
      // Under our lock: the incoming directory is private until it is swapped in.
      const database = await createPgliteDatabase({ dataDir: incoming, archive, heldLock: lock });
      try {
        counts = await tableRowCounts(database.db);
      } finally {
        await database.close();
      }
    } catch (error) {
      await rm(incoming, { recursive: true, force: true });
      throw new Error(NOT_A_BACKUP, { cause: error });
    }
    let movedAside: string | undefined = `${directory}.before-restore-${stamp()}`;
    try {
      await rename(directory, movedAside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      movedAside = undefined; // nothing to replace: a first restore
    }
    await rename(incoming, directory);
    return { movedAside, counts };
  } finally {
    await lock.release();
  }
}
