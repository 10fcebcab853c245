// What one load-generator run measured, whichever tool produced it.

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
