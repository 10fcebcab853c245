// A new embedded database copied from a template instead of built from
// scratch. Creating one (initdb, in WebAssembly), migrating it and loading
// the demo data takes many seconds of a core; copying a directory that
// already went through all of it takes a fraction of one. Templates live in a
// directory of their own (the caller picks it: the user's cache by default),
// one per key — the engine's version and whatever the caller did to the
// database (the migrations' and the demo data's fingerprints) — each saved
// by the first start that created such a database the long way.
//
// A template only saves time; it never decides what a database holds:
// - it is copied only into a data directory that is empty (new), under that
//   directory's lock, which the caller holds, beside it and then renamed into
//   place, so the directory is either still empty or complete;
// - it is saved from a database that was just created, prepared and not yet
//   used (the caller's promise), after a checkpoint and while no query runs,
//   into a private directory renamed to its final name once complete;
// - a start never waits for one: while another process saves the template,
//   this one creates its database in place, as it would without templates;
// - anything that goes wrong on the way (no writable cache, a full disk) is
//   reported to `onUnavailable`, and the database is created in place.

import { createHash } from 'node:crypto';
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  utimes,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DirectoryLockedError, lockDirectory } from '../../platform/directory-lock.ts';
import type { PgliteDatabase } from './pglite.ts';

export interface PgliteTemplate {
  /** The directory holding the templates. */
  readonly root: string;
  /** Everything the database's contents depend on besides the engine (the migrations…). */
  readonly contents: string;
  /** Told why a template could not be used or saved. */
  readonly onUnavailable?: (error: unknown) => void;
}

/**
 * What `fillFromTemplate` did: `copied` the template; found no template
 * (`absent`: the database is created in place, and may be saved as the
 * template once prepared); found the directory not empty (`existing`); or
 * failed (`unavailable`, reported).
 */
export type TemplateUse = 'copied' | 'absent' | 'existing' | 'unavailable';

/** Bumped when what a template holds changes for a reason the key does not see. */
const TEMPLATE_FORMAT = 1;
/** Templates of other keys not used for this long are removed when a new one is saved. */
const UNUSED_FOR_MS = 7 * 24 * 3600 * 1000;

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function engineVersion(): Promise<string> {
  const wasm = import.meta.resolve('@electric-sql/pglite/pglite.wasm');
  const manifest = JSON.parse(await readFile(new URL('../package.json', wasm), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

/** The template's name: the engine's version, the caller's contents, the format. */
export async function templateKey(template: Pick<PgliteTemplate, 'contents'>): Promise<string> {
  return createHash('sha256')
    .update(`${TEMPLATE_FORMAT}\n${await engineVersion()}\n${template.contents}`)
    .digest('hex')
    .slice(0, 24);
}

/** Fills the empty data directory `dataDir` from the template; the caller holds its lock. */
export async function fillFromTemplate(
  dataDir: string,
  template: PgliteTemplate,
): Promise<TemplateUse> {
  try {
    if ((await readdir(dataDir)).length > 0) return 'existing';
    const source = join(template.root, await templateKey(template));
    if (!(await exists(join(source, 'PG_VERSION')))) return 'absent';
    await copyInto(source, dataDir);
    // Marks it used, for the pruning below.
    const now = new Date();
    await utimes(source, now, now).catch(() => undefined);
    return 'copied';
  } catch (error) {
    template.onUnavailable?.(error);
    return 'unavailable';
  }
}

/**
 * Saves `database` — just created, prepared as `template.contents` says, not
 * yet used — as the template. False when it did not: another process saves
 * one right now, one exists already, or a failure (reported).
 */
export async function saveTemplate(
  database: Pick<PgliteDatabase<unknown>, 'copyFiles'>,
  template: PgliteTemplate,
): Promise<boolean> {
  try {
    const key = await templateKey(template);
    const finished = join(template.root, key);
    if (await exists(join(finished, 'PG_VERSION'))) return false;
    await mkdir(template.root, { recursive: true, mode: 0o700 });
    let lock;
    try {
      lock = await lockDirectory(join(template.root, `${key}.lock`));
    } catch (error) {
      if (error instanceof DirectoryLockedError) return false;
      throw error;
    }
    try {
      if (await exists(join(finished, 'PG_VERSION'))) return false;
      // Our lock is held: a copy of this key left behind is a dead process's.
      await removeEntries(template.root, (name) => name.startsWith(`${key}.saving-`));
      const saving = await mkdtemp(join(template.root, `${key}.saving-`));
      try {
        await database.copyFiles(saving);
        await rm(finished, { recursive: true, force: true });
        await rename(saving, finished);
      } catch (error) {
        await rm(saving, { recursive: true, force: true });
        throw error;
      }
    } finally {
      await lock.release();
    }
    await pruneUnused(template.root, key);
    return true;
  } catch (error) {
    template.onUnavailable?.(error);
    return false;
  }
}

/** Removes the templates of other keys that no start has used for a while. */
async function pruneUnused(root: string, keep: string): Promise<void> {
  const cutoff = Date.now() - UNUSED_FOR_MS;
  for (const name of await readdir(root)) {
    if (name === keep || !/^[0-9a-f]{24}$/.test(name)) continue;
    const info = await stat(join(root, name)).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < cutoff) await removeTemplate(root, name);
  }
}

/** Takes a template's own lock to remove it, so a save of that key in progress is left alone. */
async function removeTemplate(root: string, name: string): Promise<void> {
  let lock;
  try {
    lock = await lockDirectory(join(root, `${name}.lock`));
  } catch {
    return;
  }
  try {
    await rm(join(root, name), { recursive: true, force: true });
  } finally {
    await lock.release();
  }
}

async function removeEntries(dir: string, matches: (name: string) => boolean): Promise<void> {
  for (const name of (await readdir(dir)).filter(matches)) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
}

/** Copies `source` beside `dataDir`, then renames the copy onto the (empty) `dataDir`. */
async function copyInto(source: string, dataDir: string): Promise<void> {
  const parent = dirname(dataDir);
  const prefix = `${basename(dataDir)}.from-template-`;
  // The caller holds dataDir's lock: a copy left here is from a start that died copying.
  await removeEntries(parent, (name) => name.startsWith(prefix));
  const incoming = await mkdtemp(join(parent, prefix));
  try {
    await cp(source, incoming, { recursive: true });
    await replaceEmptyDirectory(dataDir, incoming);
  } catch (error) {
    await rm(incoming, { recursive: true, force: true });
    throw error;
  }
}

/** Renames `incoming` onto the empty directory `target`; a non-empty one is never replaced. */
async function replaceEmptyDirectory(target: string, incoming: string): Promise<void> {
  try {
    // POSIX rename replaces an empty directory in one step (and refuses a non-empty one).
    await rename(incoming, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EEXIST') throw error;
    // Elsewhere (Windows) the empty target goes first; rmdir refuses a non-empty one.
    await rmdir(target);
    try {
      await rename(incoming, target);
    } catch (renameError) {
      await mkdir(target, { recursive: true });
      throw renameError;
    }
  }
}
