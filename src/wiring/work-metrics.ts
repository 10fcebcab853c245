// What reports to the metrics wherever work runs — the web process and `npm
// run worker` alike: statements by duration and failure, jobs by duration
// and outcome, each queue's depth and age, the outbox's lag, webhook
// deliveries and mail by outcome, and the circuit breakers' states. The
// counting itself happens in the parts (service-stats.ts); this only names
// the families and reads them when scraped.

import type { Database } from './tables.ts';
import { outboxLagSeconds } from '../modules/events/relay.ts';
import type { BreakerState } from '../platform/circuit-breaker.ts';
import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { JobQueue } from '../ports/queue.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { ServiceStats } from './service-stats.ts';

export interface WorkParts {
  readonly sql: SqlDatabase<Database>;
  readonly queue: JobQueue;
  readonly queues: readonly string[];
  readonly stats: ServiceStats;
}

const QUEUE_STATES = ['waiting', 'pending', 'running', 'completed', 'dead'] as const;

/** The gauge's value per state: Prometheus compares numbers, and alerts read `== 2`. */
const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export function reportWork(metrics: ServiceMetrics, parts: WorkParts): void {
  const { stats, queue, queues, sql } = parts;
  sql.observeQueries?.(stats.queries.observe);
  metrics.histogram(
    'db_query_duration_seconds',
    'Statement duration by database (primary, replica-N, pglite) and statement (what it does and to which table: `select products`); past 200 distinct statements the rest count as `other`.',
    stats.queries.durations,
  );
  metrics.counter(
    {
      name: 'db_query_failures_total',
      help: 'Statements that failed (constraint violations included), by database and statement.',
      labelNames: ['database', 'statement'],
    },
    () => stats.queries.failures.readings(),
  );
  metrics.histogram(
    'job_duration_seconds',
    'How long job handlers ran, per queue, whatever their outcome.',
    stats.jobs.durations,
  );
  metrics.counter(
    {
      name: 'job_attempts_total',
      help: 'Job attempts per queue by outcome: completed, or failed (retried later, or a dead letter after the last attempt).',
      labelNames: ['queue', 'outcome'],
    },
    () => stats.jobs.outcomes.readings(),
  );
  metrics.gauge(
    {
      name: 'queue_jobs',
      help: 'Jobs per queue and state (pending: due or delayed, not yet claimed; waiting: flow parents held by their children).',
      labelNames: ['queue', 'state'],
    },
    async () => {
      const counted = await Promise.all(
        queues.map(async (name) => ({ name, counts: await queue.counts(name) })),
      );
      return counted.flatMap(({ name, counts }) =>
        QUEUE_STATES.map((state) => [{ queue: name, state }, counts[state]] as const),
      );
    },
  );
  if (queue.oldestDueAgeMs !== undefined) {
    const age = queue.oldestDueAgeMs.bind(queue);
    metrics.gauge(
      {
        name: 'queue_oldest_due_age_seconds',
        help: 'How long the oldest job that is due and not yet claimed has waited, per queue (0 when none): grows when the workers fall behind.',
        labelNames: ['queue'],
      },
      async () =>
        Promise.all(
          queues.map(async (name) => [{ queue: name }, (await age(name)) / 1000] as const),
        ),
    );
  }
  metrics.gauge(
    {
      name: 'outbox_lag_seconds',
      help: 'How long the oldest domain event not yet relayed to the job queue has waited (0 when none): grows when the relay is stopped or behind.',
    },
    async () => [[{}, await outboxLagSeconds(sql)]],
  );
  metrics.counter(
    {
      name: 'webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome: succeeded (2xx), failed (another status), error (timeout, connection), refused (address policy), circuit_open (not sent: the host breaker was open).',
      labelNames: ['outcome'],
    },
    () => stats.webhookDeliveries.readings(),
  );
  metrics.counter(
    {
      name: 'mail_messages_total',
      help: 'Mail by outcome: sent, suppressed (the address bounced or complained), failed (the transport refused or timed out), circuit_open (not sent: the SMTP breaker was open).',
      labelNames: ['outcome'],
    },
    () => stats.mail.readings(),
  );
  metrics.gauge(
    {
      name: 'circuit_breaker_state',
      help: 'Each circuit breaker: 0 closed, 1 half-open (one trial call at a time), 2 open (the dependency is skipped). Webhook hosts beyond the most recently used are not listed.',
      labelNames: ['breaker'],
    },
    () =>
      stats.breakers
        .states()
        .map(({ breaker, state }) => [{ breaker }, BREAKER_VALUES[state]] as const),
  );
  metrics.counter(
    {
      name: 'circuit_breaker_transitions_total',
      help: 'Circuit breaker transitions by breaker and the state entered; forgotten webhook hosts count under webhook:other.',
      labelNames: ['breaker', 'to'],
    },
    () =>
      stats.breakers
        .transitions()
        .map(({ breaker, to, count }) => [{ breaker, to }, count] as const),
  );
}
