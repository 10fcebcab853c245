// The benchmarks' server processes: a script started as a child process
// (optionally pinned to one CPU), awaited until it announces its port, and
// stopped with SIGTERM so that a `--cpu-prof` profile gets written on the
// way out. The HTTP, database, cache and orders benchmarks all start theirs
// here.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.ts';
import { pinnedCommand } from './load-result.ts';

const SERVERS_DIR = fileURLToPath(new URL('../servers/', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Why the server is gone (exit status and the tail of its stderr), or undefined while it runs. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly cpu: number | undefined;
  /** Extra flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

/** A contender of the HTTP benchmark: its script under bench/servers/. */
export function startServer(contender: Contender, options: StartOptions): Promise<ServerProcess> {
  return startServerProcess({
    script: SERVERS_DIR + contender.script,
    args: contender.args,
    cpu: options.cpu,
    nodeFlags: options.nodeFlags,
  });
}

export interface ServerProcessOptions extends StartOptions {
  /** The server script; it prints `{"port":…}` on its first stdout line once listening. */
  readonly script: string;
  readonly args?: readonly string[];
  /** The child's environment (NODE_ENV=production is added); the runner's own by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Every benchmark's server process: node on `script`, pinned to `cpu` when
 * given, resolved once it announces its port, stopped with SIGTERM (SIGKILL
 * after a grace) so a `--cpu-prof` profile gets written on the way out.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])];
  const [command, argv] = pinnedCommand(options.cpu, process.execPath, args);
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(options.env ?? process.env), NODE_ENV: 'production' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const port = await announcedPort(child, () => stderr);
  let stopping = false;
  return {
    port,
    pid: child.pid!,
    exitReason() {
      if (stopping || (child.exitCode === null && child.signalCode === null)) return undefined;
      const status = child.signalCode ?? `code ${child.exitCode}`;
      return `server exited (${status}): ${stderr.trim().split('\n').slice(-8).join(' | ')}`;
    },
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

function announcedPort(child: ChildProcess, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`server did not announce a port within ${START_TIMEOUT_MS} ms\n${stderr()}`),
      );
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stderr()}`));
    };
    child.once('exit', onExit);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      const { port } = JSON.parse(buffered.slice(0, newline)) as { port: number };
      resolve(port);
    });
  });
}

/** SIGTERM, then SIGKILL if the child has not exited after `timeoutMs`. */
export function stopChild(child: ChildProcess, timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
