// A circuit breaker: after `failures` failures in a row a dependency is
// skipped for `cooldownMs` (open), then one call at a time may try it again
// (half-open) until a trial succeeds (closed) or fails (open again).
//
// Our own code rather than a library (opossum, cockatiel): the breaker here
// wraps nothing — callers ask `tryAcquire()` and report the outcome — because
// what to do when it is open differs per caller (search answers from its
// stand-in, a mail job fails fast for a later retry, a webhook attempt is
// rescheduled), and because one breaker's state is shared by every caller of
// a host in the process. That is forty lines, with the state and its
// transitions readable at scrape time (breakers.ts), and no dependency.
//
// Half-open is computed when asked (no timer keeps a process awake); the
// transition into it is reported when a caller first sees it. A trial that
// never reports back (its caller crashed) stops blocking others after one
// more cool-down.

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface BreakerOptions {
  /** Failures in a row that open the breaker. */
  readonly failures: number;
  /** How long an open breaker skips the dependency, ms. */
  readonly cooldownMs: number;
}

export interface CircuitBreaker {
  /** Whether this call may use the dependency (in half-open, one call at a time). */
  tryAcquire(): boolean;
  succeeded(): void;
  failed(): void;
  /**
   * The call ended without saying anything about the dependency (its caller
   * gave up and cancelled it): nothing is counted, and a half-open trial's
   * slot is free for the next call.
   */
  released(): void;
  state(): BreakerState;
  /** Milliseconds until an open breaker lets a trial through; 0 when not open. */
  retryInMs(): number;
}

export type TransitionListener = (from: BreakerState, to: BreakerState) => void;

export function createCircuitBreaker(
  options: BreakerOptions,
  now: () => number = Date.now,
  onTransition?: TransitionListener,
): CircuitBreaker {
  let failures = 0;
  let openedAt: number | undefined;
  let trialAt: number | undefined;
  // The state last reported to the listener.
  let reported: BreakerState = 'closed';
  const report = (state: BreakerState): BreakerState => {
    if (state !== reported) {
      const from = reported;
      reported = state;
      onTransition?.(from, state);
    }
    return state;
  };
  const state = (): BreakerState => {
    if (openedAt === undefined) return report('closed');
    return report(now() - openedAt >= options.cooldownMs ? 'half-open' : 'open');
  };
  const open = (): void => {
    openedAt = now();
    report('open');
  };
  return {
    tryAcquire() {
      const current = state();
      if (current === 'closed') return true;
      if (current === 'open') return false;
      if (trialAt !== undefined && now() - trialAt < options.cooldownMs) return false;
      trialAt = now();
      return true;
    },
    succeeded() {
      failures = 0;
      openedAt = undefined;
      trialAt = undefined;
      report('closed');
    },
    failed() {
      failures += 1;
      const trial = trialAt !== undefined;
      trialAt = undefined;
      if (trial || failures >= options.failures) open();
    },
    released() {
      trialAt = undefined;
    },
    state,
    retryInMs() {
      if (openedAt === undefined) return 0;
      return Math.max(0, openedAt + options.cooldownMs - now());
    },
  };
}
