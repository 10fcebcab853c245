// A closed-loop load generator in process, for calls that are not HTTP (the
// search adapter and the baseline, called directly): `concurrency` loops,
// each starting its next call as soon as its last one returns, cycling
// through the requests in turn. Every latency is kept, so the percentiles
// are exact (an HTTP load generator's histogram rounds them).

import type { LoadResult } from '../lib/load-result.ts';

export interface ClosedLoopOptions {
  /** Makes request `index` (0 … count-1) and resolves when it is answered. */
  readonly call: (index: number) => Promise<unknown>;
  readonly count: number;
  readonly concurrency: number;
  readonly durationSec: number;
}

/** The value below which `fraction` of the sorted `values` fall (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationSec * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const index = next++ % options.count;
      const sent = performance.now();
      try {
        await options.call(index);
        latencies.push(performance.now() - sent);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const durationSec = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    durationSec,
    rps: durationSec > 0 ? latencies.length / durationSec : 0,
    latencyMs: {
      p50: percentile(latencies, 0.5),
      p90: percentile(latencies, 0.9),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    socketErrors: 0,
    badStatus: errors,
  };
}
