// What one load-generator run measured, whichever tool produced it, and how
// a generator's process is run.

import { spawn } from 'node:child_process';

export interface LoadResult {
  readonly requests: number;
  readonly durationSec: number;
  /** requests / durationSec */
  readonly rps: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  /** Connect/read/write errors and timeouts. */
  readonly socketErrors: number;
  /** Responses with a status the tool counts as an error (wrk: ≥ 400; autocannon: not 2xx). */
  readonly badStatus: number;
}

export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly connections: number;
  readonly durationSec: number;
  /** CPU to pin the generator to, or undefined to run unpinned. */
  readonly cpu: number | undefined;
}

/** A running load generator: its pid (for CPU sampling) and its eventual result. */
export interface LoadRun {
  readonly pid: number;
  readonly result: Promise<LoadResult>;
}

/** `taskset -c <cpu> command …args` when pinning, the bare command otherwise. */
export function pinnedCommand(
  cpu: number | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return cpu === undefined
    ? [command, [...args]]
    : ['taskset', ['-c', String(cpu), command, ...args]];
}

export interface LoadProcess {
  /** The tool's name, for messages. */
  readonly tool: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Reads the result from the tool's stdout; throws when it cannot. */
  readonly parse: (stdout: string) => LoadResult;
  /** Whether the run failed although it exited 0 (wrk reports a broken script on stderr and runs on). */
  readonly failed?: (code: number | null, stderr: string) => boolean;
  /** Runs when the process has closed, whatever the outcome (temporary files). */
  readonly cleanup?: () => void;
}

/** Starts a load generator as a child process; its result once it exits. */
export function runLoadProcess(load: LoadProcess): LoadRun {
  const child = spawn(load.command, [...load.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const failed = load.failed ?? ((code: number | null) => code !== 0);
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      load.cleanup?.();
      if (failed(code, stderr)) {
        reject(new Error(`${load.tool} failed (exit ${code}): ${stderr || stdout}`));
        return;
      }
      try {
        resolve(load.parse(stdout));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  if (child.pid === undefined) throw new Error(`${load.tool} did not start`);
  return { pid: child.pid, result };
}
