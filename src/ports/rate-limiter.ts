// The rate-limiter port: "may this key spend `cost` more units under this
// policy, and what is left?" — one atomic decision per call. Two adapters: an
// in-process one (adapters/rate-limiter/memory.ts: limits per instance, for a
// single instance and for tests) and Redis (adapters/rate-limiter/redis.ts:
// limits shared by every instance, decided inside Redis by one Lua script so
// concurrent requests cannot both take the last unit).
//
// Two algorithms, chosen per policy:
// - `token-bucket`: a bucket of `limit` tokens, refilled continuously at
//   limit/windowMs. A quiet client may burst up to `limit` at once; the
//   sustained rate is `limit` per window. Good for ordinary API traffic.
// - `sliding-window`: the weighted two-window counter. Time is cut into fixed
//   windows of `windowMs`; the count over the last `windowMs` is estimated as
//   previous × (share of the previous window still inside the sliding one) +
//   current. Unlike a fixed window it gives no double burst at a window edge,
//   and it needs two counters per key instead of a log of timestamps. Good
//   for sign-in, where a burst is exactly what to refuse.
//
// Rules for code that uses the port:
// - Keys are short (an address, an id, a hash): adapters store them as they are.
// - A refused call consumes nothing.
// - `cost` is a positive integer no larger than the policy's limit (a cost the
//   policy can never grant is a programming error: RangeError).
// - The adapter may fail (Redis down): `consume` rejects, and the caller
//   decides whether that lets the request through (see
//   http/middleware/rate-limit/rate-limit.ts, `onLimiterError`).

export type RateLimitAlgorithm = 'token-bucket' | 'sliding-window';

export interface RateLimitPolicy {
  /** Names the policy in headers and storage keys: letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  /** Units allowed per window (the bucket's capacity for a token bucket). */
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** The policy's limit, echoed for headers. */
  readonly limit: number;
  /** Whole units still available after this call. */
  readonly remaining: number;
  /** Milliseconds until the full limit is available again (0 when it is). */
  readonly resetMs: number;
  /** When refused: milliseconds until `cost` units will be available; 0 when allowed. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  consume(key: string, policy: RateLimitPolicy, cost?: number): Promise<RateLimitDecision>;
  /** Releases what the adapter holds (not a shared connection it was given). */
  close?(): Promise<void>;
}

const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Throws at start-up for a policy no adapter can enforce. */
export function assertValidPolicy(policy: RateLimitPolicy): void {
  if (!POLICY_NAME.test(policy.name)) {
    throw new RangeError(`rate-limit policy name "${policy.name}" must match ${POLICY_NAME}`);
  }
  if (policy.algorithm !== 'token-bucket' && policy.algorithm !== 'sliding-window') {
    throw new RangeError(`rate-limit policy "${policy.name}": unknown algorithm`);
  }
  if (!Number.isSafeInteger(policy.limit) || policy.limit < 1) {
    throw new RangeError(`rate-limit policy "${policy.name}": limit must be a positive integer`);
  }
  if (!Number.isSafeInteger(policy.windowMs) || policy.windowMs < 1) {
    throw new RangeError(`rate-limit policy "${policy.name}": windowMs must be a positive integer`);
  }
}

const validPolicies = new WeakSet<RateLimitPolicy>();

/** Adapters call this first: a bad policy or cost throws instead of being decided. */
export function assertValidCall(policy: RateLimitPolicy, cost: number): void {
  if (!validPolicies.has(policy)) {
    assertValidPolicy(policy);
    validPolicies.add(policy);
  }
  if (!Number.isSafeInteger(cost) || cost < 1 || cost > policy.limit) {
    throw new RangeError(
      `rate-limit cost must be an integer from 1 to the limit of "${policy.name}" (${policy.limit}), got ${cost}`,
    );
  }
}
