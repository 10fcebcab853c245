// One start of the service as an operator runs it (`node src/wiring/main.ts`,
// the embedded database under DATA_DIR, PORT=0), timed from the spawn to the
// first 200 from /readyz. The port is learned from the start-up log line that
// announces the URL; /readyz is then polled until it answers 200. Stopped with
// SIGTERM, which must end in exit 0 (a clean stop), or the measurement fails.

import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { processCpuMs } from '../lib/cpu-usage.ts';
import { stopChild } from '../lib/server-process.ts';

const READY_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 5;
/** A clean stop closes the database (a checkpoint): more than the HTTP servers need. */
const STOP_TIMEOUT_MS = 30_000;

export interface Boot {
  /** Wall time from spawn to the first 200 from /readyz. */
  readonly wallMs: number;
  /** What the process itself reports on its ready line (`readyMs`), when it does. */
  readonly reportedMs: number | undefined;
  /**
   * CPU time the process used until ready, all threads (Linux; 10 ms ticks).
   * Steadier than wall time on a shared machine: others' load delays a start
   * but does not add to what it costs.
   */
  readonly cpuMs: number | undefined;
  /** Every JSON log line the process wrote until ready. */
  readonly logs: readonly Record<string, unknown>[];
  /** SIGTERM; rejects unless the process exits 0. */
  stop(): Promise<void>;
}

export interface BootOptions {
  /** The entry script (default: this checkout's src/wiring/main.ts). */
  readonly entry: string;
  readonly dataDir: string;
  /** Added to the child's environment (which otherwise holds PATH and HOME only). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra flags for node itself, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

export async function boot(options: BootOptions): Promise<Boot> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.entry], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.HOME === undefined ? {} : { HOME: process.env.HOME }),
      DATA_DIR: options.dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  try {
    const url = await listeningUrl(child.stdout, logs, exited, () => stderr);
    await untilReady(url, exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const wallMs = performance.now() - started;
  const cpuMs = processCpuMs(child.pid!);
  const readyLine = logs.find((line) => typeof line.readyMs === 'number');
  return {
    wallMs,
    reportedMs: readyLine?.readyMs as number | undefined,
    cpuMs,
    logs,
    async stop() {
      await stopChild(child, STOP_TIMEOUT_MS);
      const code = await exited;
      if (code !== 0) throw new Error(`the service did not stop cleanly (${code}): ${stderr}`);
    },
  };
}

function listeningUrl(
  stdout: NodeJS.ReadableStream,
  logs: Record<string, unknown>[],
  exited: Promise<number | string>,
  stderr: () => string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      reject(new Error(`no listening line within ${READY_TIMEOUT_MS} ms\n${stderr()}`));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}) before listening\n${stderr()}`));
    });
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const record = parseJson(line);
        if (record === undefined) continue;
        logs.push(record);
        if (typeof record.url === 'string' && /listening/.test(String(record.msg))) {
          clearTimeout(timer);
          resolve(record.url);
        }
      }
    });
  });
}

function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function untilReady(url: string, exited: Promise<number | string>): Promise<void> {
  let gone: number | string | undefined;
  void exited.then((code) => {
    gone = code;
  });
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (gone !== undefined) throw new Error(`the service exited (${gone}) before it was ready`);
    if ((await readyzStatus(url)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`/readyz did not answer 200 within ${READY_TIMEOUT_MS} ms`);
}

/** The status of GET /readyz, or 0 when the request failed. */
function readyzStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { agent: false }, (res) => {
      res.resume();
      res.once('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.once('error', () => {
      resolve(0);
    });
    req.end();
  });
}
