// The service as a real process: `node src/wiring/main.ts` (or another entry,
// such as src/wiring/worker.ts) with a chosen environment (nothing inherited
// but PATH; the test password-hash cost unless the environment sets one),
// its JSON log lines parsed as they arrive. It shares the test process's
// compile cache, so starting it does not compile the code again.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { getCompileCacheDir } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_PASSWORD_HASH_ENV } from './passwords.ts';
import type { LogRecord } from './start.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The compile cache this test process uses (preload.ts), if any, for the processes it starts. */
const COMPILE_CACHE_DIR = getCompileCacheDir();
export const COMPILE_CACHE_ENV: Readonly<Record<string, string>> =
  // The directory named is the parent of the per-version one reported here.
  COMPILE_CACHE_DIR === undefined ? {} : { NODE_COMPILE_CACHE: dirname(COMPILE_CACHE_DIR) };

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface MainProcess {
  readonly child: ChildProcess;
  /** JSON log lines from stdout so far. */
  readonly logs: LogRecord[];
  /** Raw stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(match: (record: LogRecord) => boolean): Promise<LogRecord>;
  readonly exited: Promise<Exit>;
}

export function spawnMain(
  env: Readonly<Record<string, string>>,
  args: readonly string[] = [],
): MainProcess {
  return spawnEntry('src/wiring/main.ts', env, args);
}

/** Runs `entry` (a path from the repository root, like `src/wiring/worker.ts`) as spawnMain does. */
export function spawnEntry(
  entry: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[] = [],
): MainProcess {
  const child = spawn(process.execPath, [join(ROOT, entry), ...args], {
    cwd: ROOT,
    // The cheap test hash cost (passwords.ts), which production would refuse.
    env: {
      PATH: process.env.PATH ?? '',
      ...(env.NODE_ENV === 'production' ? {} : TEST_PASSWORD_HASH_ENV),
      ...COMPILE_CACHE_ENV,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogRecord[] = [];
  const waiters: { match: (record: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = [];
  let stdout = '';
  let stderr = '';
  let pending = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const record = parseLogLine(line);
      if (record === undefined) continue;
      logs.push(record);
      for (const waiter of waiters.filter((w) => w.match(record))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });

  // 'close', not 'exit': it waits until stdout and stderr are fully read.
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  return {
    child,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLog(match) {
      const seen = logs.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        // A process that dies first would otherwise leave the test hanging.
        void exited.then((exit) => {
          reject(
            new Error(`process exited (${exit.code ?? exit.signal}) first; stderr: ${stderr}`),
          );
        });
      });
    },
  };
}

/** Waits for the "listening" line and returns the URL it announces. */
export async function listeningUrl(main: MainProcess): Promise<string> {
  const record = await main.waitForLog((r) => typeof r.url === 'string' && /listening/.test(r.msg));
  return record.url as string;
}

/** A pino line, or undefined for anything else on stdout (`--print-config` output). */
function parseLogLine(line: string): LogRecord | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const isRecord =
      typeof value === 'object' && value !== null && 'msg' in value && 'level' in value;
    return isRecord ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one of the project's scripts to its end with `args` and an environment
 * of PATH, LOG_LEVEL=warn and the compile cache plus `env`; its output is
 * collected as text.
 */
export async function runScript(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ScriptResult> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...COMPILE_CACHE_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
