// The realtime benchmark's figures: percentiles of the commit-to-client
// delays, and memory per idle connection from the server's resident size.

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summariseLatency(values: readonly number[]): LatencySummary {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    samples: values.length,
    p50Ms: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(values.length === 0 ? Number.NaN : Math.max(...values)),
  };
}

/** Bytes of resident memory per connection, from the server's size before and after. */
export function bytesPerConnection(before: number, after: number, connections: number): number {
  return connections === 0 ? 0 : Math.round((after - before) / connections);
}
