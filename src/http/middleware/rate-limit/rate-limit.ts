// Rate limiting as a pipeline stage: one policy per middleware, counted
// against whatever key the composition root chooses (client IP before
// authentication, the identity after it, the account a sign-in names). Every
// counted response says where the client stands, in the IETF RateLimit header
// fields (draft-ietf-httpapi-ratelimit-headers, structured-field form):
//
//   RateLimit-Policy: "ip";q=1200;w=60
//   RateLimit: "ip";r=1187;t=1
//
// Several policies on one request add list members to the same two fields. A
// refusal is 429 HTTP_RATE_LIMITED with Retry-After.
//
// When the limiter itself fails (its Redis is down), the policy decides:
// `open` lets the request through — availability over limits, for ordinary
// traffic — and `closed` answers 503 with Retry-After, for routes where an
// unlimited client is the bigger danger (password guessing). Either way the
// outage is logged once, when it starts, and once more when it ends, with
// the number of requests it affected; `counters` keeps the running totals.

import type { Context } from '../../pipeline/context.ts';
import { httpError } from '../../errors.ts';
import { middleware, type Middleware, type Phase } from '../../pipeline/pipeline.ts';

/** What the middleware reads of a policy; the rate-limiter port's policies have more. */
export interface LimitPolicy {
  /** Names the policy in the header fields: letters, digits, `-`, `_`, `.`. */
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
}

/** One decision, as the middleware reports it. */
export interface LimitDecision {
  readonly allowed: boolean;
  /** Whole units still available after this request. */
  readonly remaining: number;
  /** Milliseconds until the full limit is available again. */
  readonly resetMs: number;
  /** When refused: milliseconds until the request could pass. */
  readonly retryAfterMs: number;
}

/**
 * What the middleware needs of a limiter. Declared here so the core imports
 * nothing outside itself; the rate-limiter port (ports/rate-limiter.ts) and
 * its adapters satisfy it as they are.
 */
export interface Limiter<P extends LimitPolicy> {
  consume(key: string, policy: P): Promise<LimitDecision>;
}

export interface RateLimitOptions<P extends LimitPolicy = LimitPolicy> {
  readonly limiter: Limiter<P>;
  readonly policy: P;
  /**
   * What to count this request under; `undefined` leaves it out of this
   * policy. Routes declared `rateLimit: false` are left out before it is asked.
   */
  readonly key: (c: Context) => string | undefined;
  /**
   * Default `rateLimit`: before authentication, so floods are refused before
   * credentials are checked. Per-identity policies use `authz` (after `authn`).
   */
  readonly phase?: Phase;
  /** A failing limiter lets requests through (`open`) or answers 503 (`closed`). */
  readonly onLimiterError: 'open' | 'closed';
  /** Retry-After of the fail-closed 503, in seconds (default 5). */
  readonly unavailableRetryAfterS?: number;
}

export interface RateLimitCounters {
  /** Requests the policy let through. */
  allowed: number;
  /** Requests answered 429. */
  limited: number;
  /** Requests let through unchecked because the limiter failed. */
  failedOpen: number;
  /** Requests answered 503 because the limiter failed. */
  failedClosed: number;
}

export interface RateLimitMiddleware extends Middleware {
  /** The policy in force: `retune` replaces its limit and window. */
  readonly policy: LimitPolicy;
  /**
   * New numbers for the same policy, from the next request on (a reload of
   * the configuration); counts already made stay with the limiter.
   */
  retune(numbers: Pick<LimitPolicy, 'limit' | 'windowMs'>): void;
  readonly counters: Readonly<RateLimitCounters>;
}

/** One outage per limiter, however many policies share it: logged once. */
interface Outage {
  since: number;
  affected: number;
}

const outages = new WeakMap<object, Outage>();

export function rateLimit<P extends LimitPolicy>(
  options: RateLimitOptions<P>,
): RateLimitMiddleware {
  const { limiter, key, onLimiterError } = options;
  let policy = options.policy;
  assertValidPolicy(policy);
  const retryAfter = String(options.unavailableRetryAfterS ?? 5);
  const name = policy.name;
  const memberOf = (p: LimitPolicy) => `"${name}";q=${p.limit};w=${Math.ceil(p.windowMs / 1000)}`;
  let policyMember = memberOf(policy);
  const counters: RateLimitCounters = { allowed: 0, limited: 0, failedOpen: 0, failedClosed: 0 };

  const decided = (c: Context, decision: LimitDecision): void => {
    const outage = outages.get(limiter);
    if (outage !== undefined) {
      outages.delete(limiter);
      c.log.info(
        { policy: name, durationMs: Date.now() - outage.since, affected: outage.affected },
        'rate limiter recovered',
      );
    }
    appendMember(c, 'ratelimit-policy', policyMember);
    appendMember(
      c,
      'ratelimit',
      `"${name}";r=${decision.remaining};t=${Math.ceil(decision.resetMs / 1000)}`,
    );
    if (decision.allowed) {
      counters.allowed += 1;
      return;
    }
    counters.limited += 1;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw httpError('HTTP_RATE_LIMITED', {
      detail: `rate limit "${name}" exceeded; retry in ${seconds} s`,
      headers: { 'retry-after': String(seconds) },
    });
  };

  const failed = (c: Context, error: unknown): void => {
    let outage = outages.get(limiter);
    if (outage === undefined) {
      outage = { since: Date.now(), affected: 0 };
      outages.set(limiter, outage);
      c.log.warn(
        { err: error, policy: name, onLimiterError },
        'rate limiter unavailable: fail-open policies let requests through, fail-closed ones answer 503',
      );
    }
    outage.affected += 1;
    if (onLimiterError === 'open') {
      counters.failedOpen += 1;
      return;
    }
    counters.failedClosed += 1;
    throw httpError('HTTP_SERVICE_UNAVAILABLE', {
      detail: 'the rate limiter is unavailable; retry shortly',
      headers: { 'retry-after': retryAfter },
    });
  };

  const handle = middleware(`rate-limit:${name}`, options.phase ?? 'rateLimit', (c, next) => {
    const k = c.route.rateLimit ? key(c) : undefined;
    // Requests outside the policy (probes, anonymous callers) cost no promise.
    if (k === undefined) return next();
    return limiter.consume(k, policy).then(
      (decision) => {
        decided(c, decision);
        return next();
      },
      (error: unknown) => {
        failed(c, error);
        return next();
      },
    );
  });
  const errors =
    onLimiterError === 'closed'
      ? ['HTTP_RATE_LIMITED', 'HTTP_SERVICE_UNAVAILABLE']
      : ['HTTP_RATE_LIMITED'];
  const retune = (numbers: Pick<LimitPolicy, 'limit' | 'windowMs'>): void => {
    const next = { ...policy, limit: numbers.limit, windowMs: numbers.windowMs };
    assertValidPolicy(next);
    policy = next;
    policyMember = memberOf(next);
  };
  return Object.freeze({
    ...handle,
    counters,
    errors,
    retune,
    get policy() {
      return policy;
    },
  });
}

const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Throws at start-up for a policy whose header members would be malformed
 * (the name is a quoted string in them, the numbers integers). The limiter
 * checks the rest of its policy (the algorithm) on its side.
 */
function assertValidPolicy(policy: LimitPolicy): void {
  if (!POLICY_NAME.test(policy.name)) {
    throw new RangeError(`rate-limit policy name "${policy.name}" must match ${POLICY_NAME}`);
  }
  if (!Number.isSafeInteger(policy.limit) || policy.limit < 1) {
    throw new RangeError(`rate-limit policy "${policy.name}": limit must be a positive integer`);
  }
  if (!Number.isSafeInteger(policy.windowMs) || policy.windowMs < 1) {
    throw new RangeError(`rate-limit policy "${policy.name}": windowMs must be a positive integer`);
  }
}

/** Adds one member to a structured-field list header (RFC 9651 §3.1). */
function appendMember(c: Context, header: string, member: string): void {
  const current = c.getResponseHeader(header);
  c.set(header, current === undefined ? member : `${current}, ${member}`);
}

/**
 * The network a client address stands for: an IPv4 address as it is (also
 * when IPv4-mapped), an IPv6 address as its /64 — one subscriber usually
 * holds a whole /64, and counting single addresses would hand each client
 * 2^64 separate limits.
 */
export function clientNetwork(address: string): string {
  const bare = address.split('%')[0]!.toLowerCase();
  if (!bare.includes(':')) return bare;
  if (bare.startsWith('::ffff:') && bare.includes('.')) return bare.slice('::ffff:'.length);
  const groups = (part: string): string[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const gap = bare.indexOf('::');
  const head = groups(gap === -1 ? bare : bare.slice(0, gap));
  const tail = gap === -1 ? [] : groups(bare.slice(gap + 2));
  const full = [
    ...head,
    ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'),
    ...tail,
  ];
  const prefix = full.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, ''));
  return `${prefix.join(':')}::/64`;
}
