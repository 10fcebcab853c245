// What an operator is told when the embedded database cannot open: the data
// directory is owned by another process, or PostgreSQL cannot recover it.
// PGlite reports the second only as WebAssembly's "RuntimeError: Aborted()";
// PostgreSQL's own last words (its PANIC or FATAL line) are on its stderr,
// which EngineLog keeps so the message can quote them.

import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DirectoryLockedError } from '../../platform/directory-lock.ts';
import { StartupError } from '../../platform/startup-error.ts';

const KEPT_LINES = 20;

/** The engine's recent stderr lines, passed on to an optional listener. */
export class EngineLog {
  readonly #lines: string[] = [];
  readonly #listener: ((line: string) => void) | undefined;

  constructor(listener?: (line: string) => void) {
    this.#listener = listener;
  }

  /** PGlite's onStderr hook: true tells it the line was handled (not printed). */
  write(line: string): boolean {
    const trimmed = line.trim();
    if (trimmed === '') return true;
    this.#lines.push(trimmed);
    if (this.#lines.length > KEPT_LINES) this.#lines.shift();
    this.#listener?.(trimmed);
    return true;
  }

  recent(): readonly string[] {
    return [...this.#lines];
  }
}

const MULTI_PROCESS_ADVICE =
  'the embedded database allows one process at a time. Stop that process, or give this one ' +
  'another DATA_DIR; to run several processes (workers apart, more instances), use PostgreSQL ' +
  '(DATABASE_URL)';

export function lockRefusal(dataDir: string, error: unknown): unknown {
  if (!(error instanceof DirectoryLockedError)) return error;
  const { owner } = error;
  return new StartupError(
    `The database directory ${resolve(dataDir)} is in use by pid ${owner.pid}` +
      ` (${owner.command}, since ${owner.since}${owner.hostname ? `, host ${owner.hostname}` : ''}): ` +
      MULTI_PROCESS_ADVICE,
    {
      code: 'DATA_DIR_LOCKED',
      dataDir: resolve(dataDir),
      lockFile: error.lockPath,
      ownerPid: owner.pid,
      ownerHost: owner.hostname,
      ownerSince: owner.since,
    },
    { cause: error },
  );
}

/** Whether `dataDir` holds a database (PostgreSQL writes PG_VERSION first when it creates one). */
export async function holdsDatabase(dataDir: string): Promise<boolean> {
  try {
    await stat(join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's reason, from its log: the PANIC or FATAL line, else the last line. */
function engineReason(lines: readonly string[]): string | undefined {
  const severe = lines.filter((line) => /\b(PANIC|FATAL):/.test(line));
  const chosen = severe.at(-1) ?? lines.filter((line) => !/^Aborted/.test(line)).at(-1);
  return chosen?.replace(/^.*?\b(PANIC|FATAL|ERROR|LOG):\s+/, '$1: ');
}

/**
 * The error for a failed open: a StartupError with the recovery options when
 * an existing directory could not be recovered, the original error otherwise.
 */
export async function openFailure(
  dataDir: string | undefined,
  error: unknown,
  lines: readonly string[],
): Promise<unknown> {
  const aborted = error instanceof Error && /Aborted\(/.test(error.message);
  if (dataDir === undefined || !(aborted || (await holdsDatabase(dataDir)))) return error;
  const directory = resolve(dataDir);
  const reason = engineReason(lines) ?? (error instanceof Error ? error.message : String(error));
  return new StartupError(
    `The embedded database in ${directory} cannot be opened (PostgreSQL: ${reason}). ` +
      'A directory that two processes wrote at once, or whose disk lost writes, cannot be ' +
      'recovered in place. To recover: restore the latest backup ' +
      `(npm run db:restore <file>), or move the directory aside (mv ${directory} ` +
      `${directory}.damaged) and start again with an empty database. ` +
      'See "Backups and recovery" in docs/operations.md',
    { code: 'DATABASE_DAMAGED', dataDir: directory, engineLog: lines },
    { cause: error },
  );
}
