// What reports to the service's metrics besides the requests (which the
// pipeline's request-metrics middleware counts): the database pools'
// connections and waiters, the caches' counters per outcome and the job
// queues' depth per state. Here, in the root, because
// only the root knows which parts exist.

import type { CacheStats } from '../platform/cache/cache-aside.ts';
import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { JobQueue } from '../ports/queue.ts';
import type { PoolState } from '../ports/sql.ts';

export interface MetricsParts {
  readonly database: { pools(): readonly PoolState[] };
  /** Each cache by name (its counters), or undefined where it is switched off. */
  readonly caches: Readonly<Record<string, { readonly stats: CacheStats } | undefined>>;
  readonly queue: JobQueue;
  readonly queues: readonly string[];
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

const QUEUE_STATES = ['waiting', 'pending', 'running', 'completed', 'dead'] as const;

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
  metrics.gauge(
    {
      name: 'queue_jobs',
      help: 'Jobs per queue and state (pending: due or delayed, not yet claimed; waiting: flow parents held by their children).',
      labelNames: ['queue', 'state'],
    },
    async () => {
      const counted = await Promise.all(
        parts.queues.map(async (queue) => ({ queue, counts: await parts.queue.counts(queue) })),
      );
      return counted.flatMap(({ queue, counts }) =>
        QUEUE_STATES.map((state) => [{ queue, state }, counts[state]] as const),
      );
    },
  );
}
