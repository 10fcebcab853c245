// What a load run measured: latencies per step (nearest-rank percentiles),
// failures by step, status and problem code, and the verdict against the
// SLO. Kept apart from the HTTP so the arithmetic has fast tests of its own.

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The nearest-rank percentile of `sorted` (ascending): the smallest value
 * with at least p % of the samples at or below it. No interpolation, so a
 * reported p99 is a latency some request really had.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

/** One failed request: its step, the HTTP status (or `network`/`timeout`) and the problem's code. */
export interface Failure {
  readonly step: string;
  readonly status: number | 'network' | 'timeout';
  readonly code: string;
}

export const failureKey = (failure: Failure): string =>
  `${failure.step} ${failure.status} ${failure.code}`;

/** Latencies and failures as they arrive, per step. */
export class Recorder {
  readonly #latencies = new Map<string, number[]>();
  readonly #failures = new Map<string, number>();
  readonly #journeys: number[] = [];
  #requests = 0;
  #failed = 0;
  #retries = 0;

  /** A request that was answered as expected, `ms` after it was due. */
  success(step: string, ms: number): void {
    this.#requests += 1;
    const samples = this.#latencies.get(step) ?? [];
    samples.push(ms);
    this.#latencies.set(step, samples);
  }

  failure(failure: Failure): void {
    this.#requests += 1;
    this.#failed += 1;
    const key = failureKey(failure);
    this.#failures.set(key, (this.#failures.get(key) ?? 0) + 1);
  }

  /** A request sent again under the same Idempotency-Key (the first attempt counted as failed). */
  retry(): void {
    this.#retries += 1;
  }

  journey(ms: number): void {
    this.#journeys.push(ms);
  }

  snapshot(): Measurements {
    const steps: Record<string, LatencySummary> = {};
    for (const [step, samples] of this.#latencies) steps[step] = summarize(samples);
    return {
      requests: this.#requests,
      failed: this.#failed,
      retries: this.#retries,
      steps,
      all: summarize([...this.#latencies.values()].flat()),
      journeys: summarize(this.#journeys),
      failures: Object.fromEntries([...this.#failures].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}

export interface Measurements {
  /** Every attempt, retries included. */
  readonly requests: number;
  /** Attempts that failed (a retry that then succeeded still counts its failed attempt). */
  readonly failed: number;
  readonly retries: number;
  /** Successful requests per step. */
  readonly steps: Readonly<Record<string, LatencySummary>>;
  /** Successful requests of every step together. */
  readonly all: LatencySummary;
  /** Completed journeys, from their scheduled start to their last answer. */
  readonly journeys: LatencySummary;
  /** Failed attempts by `step status code`. */
  readonly failures: Readonly<Record<string, number>>;
}

export interface Slo {
  readonly p99Ms: number;
  /** The highest acceptable share of failed requests, 0..1. */
  readonly maxErrorRate: number;
}

export interface Verdict {
  readonly pass: boolean;
  readonly errorRate: number;
  readonly reasons: readonly string[];
}

/** PASS when the p99 of all successful requests and the share of failed ones are within the SLO. */
export function judge(measurements: Measurements, slo: Slo): Verdict {
  const reasons: string[] = [];
  const errorRate = measurements.requests === 0 ? 0 : measurements.failed / measurements.requests;
  if (measurements.requests === 0) reasons.push('no request was made');
  if (measurements.all.p99 > slo.p99Ms) {
    reasons.push(`p99 ${measurements.all.p99.toFixed(1)} ms is over ${slo.p99Ms} ms`);
  }
  if (errorRate > slo.maxErrorRate) {
    reasons.push(
      `error rate ${(errorRate * 100).toFixed(2)} % is over ${(slo.maxErrorRate * 100).toFixed(2)} %`,
    );
  }
  return { pass: reasons.length === 0, errorRate, reasons };
}
