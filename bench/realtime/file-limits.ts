// Every connection is a file descriptor, in the server and in a client
// process: 10,000 of them do not fit under the common soft limit of 1,024.
// A process may raise its own soft limit up to the hard one, and so may its
// owner from outside (`prlimit --pid`), which is what this does for the
// server and the client processes; the runner reports what it got.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OpenFileLimit {
  readonly soft: number;
  readonly hard: number;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** The process's limit on open files, from /proc; undefined off Linux. */
export function openFileLimit(pid: number | 'self'): OpenFileLimit | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (match === null) return undefined;
  const value = (field: string) => (field === 'unlimited' ? UNLIMITED : Number(field));
  return { soft: value(match[1]!), hard: value(match[2]!) };
}

/**
 * Raises `pid`'s soft limit to `wanted` (at most its hard limit) with
 * prlimit(1) when it is lower; returns the limit it has afterwards.
 */
export function raiseOpenFileLimit(pid: number, wanted: number): OpenFileLimit | undefined {
  const limit = openFileLimit(pid);
  if (limit === undefined || limit.soft >= wanted) return limit;
  const target = Math.min(wanted, limit.hard);
  try {
    execFileSync('prlimit', [`--pid=${pid}`, `--nofile=${target}:${limit.hard}`], {
      stdio: 'ignore',
    });
  } catch {
    // No prlimit, or not allowed: the runner reports the limit as it is.
  }
  return openFileLimit(pid);
}
