// The in-process rate limiter: state in a Map, decisions synchronous (so
// atomic within the process: nothing else runs between reading and writing a
// bucket). Limits are per instance — behind a load balancer with N instances
// a client gets up to N × the limit; set REDIS_URL to share them.
//
// Memory stays bounded. A bucket that has refilled (or a window pair that has
// emptied) is the same as no bucket at all, so each entry carries the time it
// becomes idle: a full sweep drops idle entries at most once per
// `sweepIntervalMs` (amortised over calls, no timer to stop), and beyond
// `maxKeys` the least recently used entry is evicted — forgetting a live
// bucket, which errs towards letting a request through, so the cap should sit
// far above the number of clients one instance sees in a window.

import {
  assertValidCall,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from '../../ports/rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  /** Keys held at most (default 100 000); the least recently used goes first. */
  readonly maxKeys?: number;
  /** Idle entries are swept at most this often (default 60 s). */
  readonly sweepIntervalMs?: number;
  /** The clock in ms since the epoch (tests pass a fake one). */
  readonly now?: () => number;
}

export interface MemoryRateLimiter extends RateLimiter {
  /** Entries currently held. */
  readonly size: number;
  /** Live entries evicted because `maxKeys` was reached, since start. */
  readonly evicted: number;
  close(): Promise<void>;
}

interface TokenBucket {
  tokens: number;
  at: number;
}

interface WindowPair {
  /** Index of the current fixed window: floor(time / windowMs). */
  window: number;
  current: number;
  previous: number;
}

interface Entry {
  readonly state: TokenBucket | WindowPair;
  /** From this time on the entry is indistinguishable from no entry. */
  idleAt: number;
}

/** Float slack: refills computed at exactly the promised time must count. */
const EPSILON = 1e-9;

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const maxKeys = options.maxKeys ?? 100_000;
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let nextSweepAt = now() + sweepIntervalMs;
  let evicted = 0;

  const sweep = (at: number): void => {
    for (const [key, entry] of entries) if (entry.idleAt <= at) entries.delete(key);
  };

  const decide = (key: string, policy: RateLimitPolicy, cost: number): RateLimitDecision => {
    assertValidCall(policy, cost);
    const at = now();
    if (at >= nextSweepAt) {
      sweep(at);
      nextSweepAt = at + sweepIntervalMs;
    }
    const id = `${policy.algorithm}:${policy.name}:${key}`;
    let entry = entries.get(id);
    if (entry !== undefined && entry.idleAt <= at) entry = undefined;
    const result =
      policy.algorithm === 'token-bucket'
        ? tokenBucket(entry?.state as TokenBucket | undefined, policy, cost, at)
        : slidingWindow(entry?.state as WindowPair | undefined, policy, cost, at);
    // Re-inserted on every use, so Map order is least recently used first.
    entries.delete(id);
    if (result.decision.resetMs > 0) {
      entries.set(id, { state: result.state, idleAt: at + result.decision.resetMs });
      // No sweep here: under a flood of new keys that would cost O(keys) per
      // call. The least recently used entry is almost always idle anyway.
      if (entries.size > maxKeys) {
        const [oldestId, oldest] = entries.entries().next().value!;
        entries.delete(oldestId);
        if (oldest.idleAt > at) evicted += 1;
      }
    }
    return result.decision;
  };

  return {
    // The executor turns a throw (a bad policy or cost) into a rejection.
    consume: (key, policy, cost = 1) =>
      new Promise((resolve) => {
        resolve(decide(key, policy, cost));
      }),
    get size() {
      return entries.size;
    },
    get evicted() {
      return evicted;
    },
    close() {
      entries.clear();
      return Promise.resolve();
    },
  };
}

interface Step<S> {
  readonly state: S;
  readonly decision: RateLimitDecision;
}

/** Capacity `limit`, refilled continuously at limit / windowMs (see the port). */
export function tokenBucket(
  state: TokenBucket | undefined,
  policy: RateLimitPolicy,
  cost: number,
  at: number,
): Step<TokenBucket> {
  const { limit, windowMs } = policy;
  // Units × windowMs / limit rather than units / rate: exact for whole units.
  const msFor = (units: number) => Math.ceil((units * windowMs) / limit - EPSILON);
  let tokens =
    state === undefined
      ? limit
      : Math.min(limit, state.tokens + (Math.max(0, at - state.at) * limit) / windowMs);
  const allowed = tokens + EPSILON >= cost;
  if (allowed) tokens = Math.max(0, tokens - cost);
  return {
    state: { tokens, at },
    decision: {
      allowed,
      limit,
      remaining: Math.floor(tokens + EPSILON),
      resetMs: tokens + EPSILON >= limit ? 0 : msFor(limit - tokens),
      retryAfterMs: allowed ? 0 : Math.max(1, msFor(cost - tokens)),
    },
  };
}

/** The weighted two-window counter (see the port). */
export function slidingWindow(
  state: WindowPair | undefined,
  policy: RateLimitPolicy,
  cost: number,
  at: number,
): Step<WindowPair> {
  const { limit, windowMs } = policy;
  const window = Math.floor(at / windowMs);
  let current = 0;
  let previous = 0;
  if (state?.window === window) {
    current = state.current;
    previous = state.previous;
  } else if (state?.window === window - 1) {
    previous = state.current;
  }
  const intoWindow = at - window * windowMs;
  const untilWindowEnd = windowMs - intoWindow;
  let estimate = (previous * untilWindowEnd) / windowMs + current;
  const allowed = estimate + cost <= limit + EPSILON;
  let retryAfterMs = 0;
  if (allowed) {
    current += cost;
    estimate += cost;
  } else if (current + cost <= limit) {
    // Within this window, once enough of the previous one has slid out.
    retryAfterMs =
      Math.ceil(windowMs - ((limit - current - cost) * windowMs) / previous - EPSILON) - intoWindow;
  } else {
    // Only in the next window, once enough of this one has slid out.
    retryAfterMs =
      untilWindowEnd + Math.ceil(windowMs - ((limit - cost) * windowMs) / current - EPSILON);
  }
  return {
    state: { window, current, previous },
    decision: {
      allowed,
      limit,
      remaining: Math.max(0, Math.floor(limit - estimate + EPSILON)),
      resetMs: current > 0 ? untilWindowEnd + windowMs : previous > 0 ? untilWindowEnd : 0,
      retryAfterMs: allowed ? 0 : Math.max(1, retryAfterMs),
    },
  };
}
