// Readiness: the process is ready when it has started, is not shutting down,
// and every registered dependency check passes. Checks run concurrently with
// a timeout each, so one hung dependency cannot hang the probe.
//
// A check registered with `gating: false` is reported but does not make the
// instance unready: for a dependency the service degrades without (Redis,
// whose callers fail open), where failing readiness on every instance at
// once would turn a partial outage into a total one.
//
// The circuit breakers' states (`breakers`: SMTP, search, each webhook host)
// are listed beside the checks and never gate: an open breaker means the
// service is already working around that dependency.

import type { BreakerReading } from '../../platform/breakers.ts';
import type { BreakerState } from '../../platform/circuit-breaker.ts';

export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  checks: Record<string, { status: 'ok' | 'failing'; error?: string }>;
  /** Each circuit breaker's state, when the process has any. */
  breakers?: Record<string, BreakerState>;
}

export class ReadinessChecks {
  readonly #checks = new Map<string, { check: ReadinessCheck; gating: boolean }>();
  readonly #state: () => 'starting' | 'ready' | 'stopping';
  readonly #timeoutMs: number;
  #breakers: (() => readonly BreakerReading[]) | undefined;

  constructor(state: () => 'starting' | 'ready' | 'stopping', timeoutMs = 2000) {
    this.#state = state;
    this.#timeoutMs = timeoutMs;
  }

  add(name: string, check: ReadinessCheck, options: { gating?: boolean } = {}): void {
    this.#checks.set(name, { check, gating: options.gating ?? true });
  }

  /** Lists the breakers `read` reports in every report, without gating on them. */
  reportBreakers(read: () => readonly BreakerReading[]): void {
    this.#breakers = read;
  }

  async run(parent: AbortSignal): Promise<ReadinessReport> {
    const checks: ReadinessReport['checks'] = {};
    const state = this.#state();
    checks.lifecycle = state === 'ready' ? { status: 'ok' } : { status: 'failing', error: state };
    const signal = AbortSignal.any([parent, AbortSignal.timeout(this.#timeoutMs)]);
    await Promise.all(
      [...this.#checks].map(async ([name, { check }]) => {
        try {
          await check(signal);
          checks[name] = { status: 'ok' };
        } catch (error) {
          checks[name] = {
            status: 'failing',
            error: error instanceof Error ? error.message : 'check failed',
          };
        }
      }),
    );
    const ready = Object.entries(checks).every(
      ([name, check]) => check.status === 'ok' || this.#checks.get(name)?.gating === false,
    );
    const status = ready ? 'ready' : 'not-ready';
    const breakers = this.#breakers?.();
    if (breakers === undefined || breakers.length === 0) return { status, checks };
    return {
      status,
      checks,
      breakers: Object.fromEntries(breakers.map((b) => [b.breaker, b.state])),
    };
  }
}
