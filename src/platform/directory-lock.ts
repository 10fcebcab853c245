// One owner per data directory. The embedded database is a set of files that
// only one process may write: two processes on one directory each believe
// they own it, acknowledge writes, and lose half of them (or corrupt the
// write-ahead log) when they overlap. Node has no flock(), so the lock is a
// file created exclusively (O_CREAT|O_EXCL) that names its owner: pid,
// process start time and host. A lock whose owner is gone is stale and taken
// over; a live owner makes the second process refuse to start.
//
// Stale detection, because a SIGKILLed or crashed owner never removes its file:
// - same host: the pid is gone, is a zombie, or now belongs to another process
//   (its start time differs — pids are reused, PID 1 in every container);
// - another host sharing the volume: no heartbeat (the owner touches the file
//   every HEARTBEAT_MS) for STALE_AFTER_MS.
// Taking over a stale lock is itself guarded by a second exclusive file, so
// two processes finding the same stale lock cannot both end up owning it.

import { readFileSync, unlinkSync } from 'node:fs';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Who holds a lock, as written in the lock file. */
export interface LockOwner {
  readonly pid: number;
  /** The process's start time in clock ticks since boot (Linux), telling a reused pid apart. */
  readonly startTicks: number | null;
  readonly hostname: string;
  readonly since: string;
  /** The command that took the lock, for the refusal message. */
  readonly command: string;
}

export interface DirectoryLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export class DirectoryLockedError extends Error {
  readonly lockPath: string;
  readonly owner: LockOwner;

  constructor(lockPath: string, owner: LockOwner) {
    const where = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`;
    super(
      `${lockPath} is held by pid ${owner.pid}${where} (${owner.command}, since ${owner.since})`,
    );
    this.name = 'DirectoryLockedError';
    this.lockPath = lockPath;
    this.owner = owner;
  }
}

const HEARTBEAT_MS = 10_000;
const STALE_AFTER_MS = 3 * HEARTBEAT_MS;
/** A takeover guard older than this belongs to a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;
/** A lock file still empty after this long was left by a process that died creating it. */
const EMPTY_STALE_MS = 5_000;
/** How long to keep trying while the lock changes hands: past EMPTY_STALE_MS, with room. */
const GIVE_UP_AFTER_MS = EMPTY_STALE_MS + 5_000;

/** The start time field of /proc/<pid>/stat, or null where there is no /proc. */
export function processStartTicks(pid: number | 'self'): number | null {
  const stat = readProcStat(pid);
  return stat === undefined ? null : stat.startTicks;
}

function readProcStat(pid: number | 'self'): { state: string; startTicks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces
  // or parentheses: the fields that follow start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Field 3 is the state; field 22 is the start time.
  const startTicks = Number(fields[19]);
  return { state: fields[0] ?? '', startTicks: Number.isFinite(startTicks) ? startTicks : -1 };
}

function describeSelf(): LockOwner {
  const script = process.argv[1];
  return {
    pid: process.pid,
    startTicks: processStartTicks('self'),
    hostname: hostname(),
    since: new Date().toISOString(),
    command: script === undefined ? process.argv0 : `node ${relative(process.cwd(), script)}`,
  };
}

function isSameProcess(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.startTicks === b.startTicks && a.hostname === b.hostname;
}

/** Whether the owner recorded in a lock file still runs (see the header for how this is judged). */
export async function isOwnerAlive(lockPath: string, owner: LockOwner): Promise<boolean> {
  if (owner.hostname !== hostname()) {
    const modified = await fileModifiedAt(lockPath);
    return modified !== undefined && Date.now() - modified < STALE_AFTER_MS;
  }
  if (isSameProcess(owner, describeSelf())) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user — alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcStat(owner.pid);
  if (stat === undefined) return true; // no /proc: the pid answering is all we can know
  if (stat.state === 'Z' || stat.state === 'X') return false; // dead, not yet reaped
  return owner.startTicks === null || stat.startTicks === owner.startTicks;
}

async function fileModifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The owner named by a lock file; undefined when there is no lock file. */
export async function readLockOwner(
  lockPath: string,
): Promise<LockOwner | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.hostname === 'string') {
      return {
        pid: value.pid,
        startTicks: typeof value.startTicks === 'number' ? value.startTicks : null,
        hostname: value.hostname,
        since: typeof value.since === 'string' ? value.since : 'unknown',
        command: typeof value.command === 'string' ? value.command : 'unknown',
      };
    }
  } catch {
    // Fall through: a half-written or foreign file.
  }
  return 'unreadable';
}

/** The live owner of a lock, or undefined when the lock is free or stale. */
export async function liveLockOwner(lockPath: string): Promise<LockOwner | undefined> {
  const owner = await readLockOwner(lockPath);
  if (owner === undefined || owner === 'unreadable') return undefined;
  return (await isOwnerAlive(lockPath, owner)) ? owner : undefined;
}

async function tryCreate(lockPath: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a stale lock file, unless someone changed it since we judged it:
 * the removal runs under an exclusive takeover guard and re-reads the file.
 */
async function removeStale(lockPath: string, judged: string): Promise<void> {
  const guard = `${lockPath}.takeover`;
  let guarded;
  try {
    guarded = await open(guard, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const modified = await fileModifiedAt(guard);
    if (modified !== undefined && Date.now() - modified > TAKEOVER_STALE_MS) {
      await unlink(guard).catch(() => undefined);
    }
    return; // someone else is taking over: look again
  }
  try {
    const now = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (now === judged) await unlink(lockPath).catch(() => undefined);
  } finally {
    await guarded.close();
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Takes the lock at `lockPath` for this process, taking over a stale one.
 * Throws DirectoryLockedError when a live process holds it.
 */
export async function lockDirectory(lockPath: string): Promise<DirectoryLock> {
  const self = describeSelf();
  const giveUpAt = performance.now() + GIVE_UP_AFTER_MS;
  for (let attempt = 0; performance.now() < giveUpAt; attempt++) {
    if (await tryCreate(lockPath, self)) return holdLock(lockPath, self);
    const text = await readFile(lockPath, 'utf8').catch(() => undefined);
    if (text === undefined) continue; // removed meanwhile: try again at once
    const owner = await readLockOwner(lockPath);
    if (owner === 'unreadable' || owner === undefined) {
      // Just created by a process still writing it, or left empty by one that died doing so.
      const modified = await fileModifiedAt(lockPath);
      if (modified !== undefined && Date.now() - modified > EMPTY_STALE_MS) {
        await removeStale(lockPath, text);
      } else {
        await delay(100);
      }
      continue;
    }
    if (await isOwnerAlive(lockPath, owner)) throw new DirectoryLockedError(lockPath, owner);
    await removeStale(lockPath, text);
    await delay(attempt === 0 ? 0 : 20);
  }
  throw new Error(`could not take the lock ${lockPath}: it keeps changing hands`);
}

function holdLock(lockPath: string, owner: LockOwner): DirectoryLock {
  // The heartbeat lets a process on another host sharing this volume tell a
  // live owner from a dead one; on this host the pid check answers at once.
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  // A process that exits without closing (a fatal error, process.exit) still
  // removes its lock; only SIGKILL or a crash leaves it for stale detection.
  const onExit = () => {
    if (ownsLockFile(lockPath, owner)) {
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', onExit);
  let released: Promise<void> | undefined;
  return {
    path: lockPath,
    owner,
    release() {
      released ??= (async () => {
        clearInterval(heartbeat);
        process.off('exit', onExit);
        if (ownsLockFile(lockPath, owner)) await unlink(lockPath).catch(() => undefined);
      })();
      return released;
    },
  };
}

function ownsLockFile(lockPath: string, owner: LockOwner): boolean {
  try {
    const recorded = JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
    return isSameProcess(recorded, owner);
  } catch {
    return false;
  }
}
