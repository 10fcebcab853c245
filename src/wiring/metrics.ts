// What reports to the service's metrics besides the requests (which the
// pipeline's request-metrics middleware counts): the database pools'
// connections and waiters, the caches' counters per outcome and the rate
// limits' decisions (the work — queries, jobs, queues, outbox, webhooks,
// mail, breakers — reports in work-metrics.ts, also from the worker
// process). Here, in the root, because only the root knows which parts exist.

import type { CacheStats } from '../platform/cache/cache-aside.ts';
import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { RateLimitMiddleware } from '../http/middleware/rate-limit/rate-limit.ts';
import type { PoolState } from '../ports/sql.ts';

export interface MetricsParts {
  readonly database: { pools(): readonly PoolState[] };
  /** Each cache by name (its counters), or undefined where it is switched off. */
  readonly caches: Readonly<Record<string, { readonly stats: CacheStats } | undefined>>;
  /** The rate-limit policies, each with its running counts. */
  readonly rateLimits: readonly RateLimitMiddleware[];
}

const CACHE_OUTCOMES = [
  ['hit_local', (s) => s.localHits],
  ['hit_shared', (s) => s.hits - s.localHits],
  ['stale', (s) => s.staleServed],
  ['miss', (s) => s.misses],
  ['coalesced', (s) => s.coalesced],
  ['load', (s) => s.loads],
  ['invalidation', (s) => s.invalidations],
  ['error', (s) => s.errors],
] as const satisfies readonly (readonly [string, (stats: CacheStats) => number])[];

export function reportServiceParts(metrics: ServiceMetrics, parts: MetricsParts): void {
  metrics.gauge(
    {
      name: 'db_pool_connections',
      help: 'Database connections per pool (primary, replica-N): busy (lent to a query or transaction) or idle.',
      labelNames: ['pool', 'state'],
    },
    () =>
      parts.database
        .pools()
        .flatMap((p) => [
          [{ pool: p.role, state: 'busy' }, p.open - p.idle] as const,
          [{ pool: p.role, state: 'idle' }, p.idle] as const,
        ]),
  );
  metrics.gauge(
    {
      name: 'db_pool_waiting',
      help: 'Callers waiting for a database connection, per pool: above zero, the pool is the bottleneck.',
      labelNames: ['pool'],
    },
    () => parts.database.pools().map((p) => [{ pool: p.role }, p.waiting] as const),
  );
  metrics.gauge(
    {
      name: 'db_pool_max_connections',
      help: 'The most connections each pool opens (DATABASE_POOL_SIZE).',
      labelNames: ['pool'],
    },
    () => parts.database.pools().map((p) => [{ pool: p.role }, p.max] as const),
  );
  metrics.counter(
    {
      name: 'cache_requests_total',
      help: 'Cache lookups by outcome: fresh from this process (hit_local) or the shared store (hit_shared), served stale while refreshing, missed; and the loads, coalesced waits, invalidations and backend errors behind them.',
      labelNames: ['cache', 'outcome'],
    },
    () =>
      Object.entries(parts.caches).flatMap(([cache, aside]) =>
        aside === undefined
          ? []
          : CACHE_OUTCOMES.map(
              ([outcome, read]) => [{ cache, outcome }, read(aside.stats)] as const,
            ),
      ),
  );

  metrics.counter(
    {
      name: 'rate_limit_decisions_total',
      help: 'Requests counted by each rate-limit policy, by decision: allowed, limited (429), failed_open (let through: the limiter failed), failed_closed (503: the limiter failed).',
      labelNames: ['policy', 'decision'],
    },
    () =>
      parts.rateLimits.flatMap(({ policy, counters }) => [
        [{ policy: policy.name, decision: 'allowed' }, counters.allowed] as const,
        [{ policy: policy.name, decision: 'limited' }, counters.limited] as const,
        [{ policy: policy.name, decision: 'failed_open' }, counters.failedOpen] as const,
        [{ policy: policy.name, decision: 'failed_closed' }, counters.failedClosed] as const,
      ]),
  );
}
