// Readiness: the process is ready when it has started, is not shutting down,
// and every registered dependency check passes. Checks run concurrently with
// a timeout each, so one hung dependency cannot hang the probe.
//
// A check registered with `gating: false` is reported but does not make the
// instance unready: for a dependency the service degrades without (Redis,
// whose callers fail open), where failing readiness on every instance at
// once would turn a partial outage into a total one.

export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  checks: Record<string, { status: 'ok' | 'failing'; error?: string }>;
}

export class ReadinessChecks {
  readonly #checks = new Map<string, { check: ReadinessCheck; gating: boolean }>();
  readonly #state: () => 'starting' | 'ready' | 'stopping';
  readonly #timeoutMs: number;

  constructor(state: () => 'starting' | 'ready' | 'stopping', timeoutMs = 2000) {
    this.#state = state;
    this.#timeoutMs = timeoutMs;
  }

  add(name: string, check: ReadinessCheck, options: { gating?: boolean } = {}): void {
    this.#checks.set(name, { check, gating: options.gating ?? true });
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
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}
