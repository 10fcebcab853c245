// The service's rate limits, from config (RATE_LIMIT_*): which policies,
// counted against what, on which limiter, and what a limiter outage means.
//
//   ip               every route but those declared `rateLimit: false` (the
//                    probes, the API docs), per client network (IPv4
//                    address, IPv6 /64), before authentication
//   user             per signed-in identity (its subject), after
//                    authentication; anonymous requests skip it
//   sign-in-ip       the sign-in routes, per client network
//   sign-in-account  the sign-in routes, per account the request names
//
// The first two are token buckets (bursts are normal API traffic) and fail
// open: when Redis is down, ordinary traffic keeps flowing unlimited rather
// than the whole API going down with the limiter. The sign-in policies are
// sliding windows (no double burst at a window edge) and fail closed: a
// limiter outage must not turn into unlimited password guessing, so those
// routes answer 503 until it is back.
//
// One limiter serves all four: in process without REDIS_URL (each instance
// counts on its own), on Redis with it (every instance shares the counts);
// engines.ts opens it.

import type { Logger } from 'pino';
import type { Context } from '../http/pipeline/context.ts';
import {
  clientNetwork,
  rateLimit,
  type RateLimitMiddleware,
} from '../http/middleware/rate-limit/rate-limit.ts';
import { signInAccountKey } from '../modules/auth/sign-in-limits.ts';
import type { Config } from '../platform/config.ts';
import type { ReadinessChecks } from '../modules/health/readiness.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { openRateLimiter } from './engines.ts';

export interface RateLimits {
  /** Global middleware: `ip` (phase rateLimit) and `user` (phase authz). */
  readonly global: readonly RateLimitMiddleware[];
  /** For the sign-in routes' `middleware` option. */
  readonly signIn: readonly RateLimitMiddleware[];
}

const networkOf = (c: Context): string => clientNetwork(c.remoteAddress);

export interface RateLimitsDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly readiness: ReadinessChecks;
}

export function createRateLimits(config: Config, deps: RateLimitsDeps): RateLimits {
  const settings = config.rateLimit;
  if (!settings.enabled) return { global: [], signIn: [] };
  const limiter = openRateLimiter(config, deps);
  return {
    global: [
      rateLimit({
        limiter,
        policy: {
          name: 'ip',
          algorithm: 'token-bucket',
          limit: settings.ipLimit,
          windowMs: settings.ipWindowMs,
        },
        key: networkOf,
        onLimiterError: 'open',
      }),
      rateLimit({
        limiter,
        policy: {
          name: 'user',
          algorithm: 'token-bucket',
          limit: settings.userLimit,
          windowMs: settings.userWindowMs,
        },
        key: (c) => c.identity?.subject,
        phase: 'authz',
        onLimiterError: 'open',
      }),
    ],
    signIn: [
      rateLimit({
        limiter,
        policy: {
          name: 'sign-in-ip',
          algorithm: 'sliding-window',
          limit: settings.signInIpLimit,
          windowMs: settings.signInIpWindowMs,
        },
        key: networkOf,
        onLimiterError: 'closed',
      }),
      rateLimit({
        limiter,
        policy: {
          name: 'sign-in-account',
          algorithm: 'sliding-window',
          limit: settings.signInAccountLimit,
          windowMs: settings.signInAccountWindowMs,
        },
        // Runs after body parsing: the body names the account.
        key: (c) => signInAccountKey(c.parsedBody),
        onLimiterError: 'closed',
      }),
    ],
  };
}
