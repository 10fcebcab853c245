// What the parts count for the metrics, kept apart from the registry: the
// counting runs whether or not anything is scraped (a few additions per
// query, job, delivery or mail), and either process — the web one or `npm
// run worker` — exposes it (wiring/metrics.ts reports it to a registry).
// The circuit breakers live here too: the metrics and /readyz read their
// state, the mailer and the webhook deliveries use them.

import type { Config } from '../platform/config.ts';
import { Breakers, type BreakerFamily } from '../platform/breakers.ts';
import { JobStats } from '../platform/metrics/job-stats.ts';
import { Tally } from '../platform/metrics/labelled-stats.ts';
import { QueryStats } from '../platform/metrics/query-stats.ts';

export interface ServiceStats {
  readonly queries: QueryStats;
  readonly jobs: JobStats;
  /** Webhook delivery attempts by outcome (modules/webhooks/delivery.ts). */
  readonly webhookDeliveries: Tally;
  /** Mail by outcome: sent, suppressed, failed, circuit_open. */
  readonly mail: Tally;
  readonly breakers: Breakers;
  /** One breaker per webhook host, bounded (WEBHOOK_BREAKER_MAX_HOSTS). */
  readonly webhookHosts: BreakerFamily;
}

export function createServiceStats(config: Config): ServiceStats {
  const breakers = new Breakers();
  const webhooks = config.webhooks;
  return {
    queries: new QueryStats(),
    jobs: new JobStats(),
    webhookDeliveries: new Tally(['outcome']),
    mail: new Tally(['outcome']),
    breakers,
    webhookHosts: breakers.family(
      'webhook',
      { failures: webhooks.breakerFailures, cooldownMs: webhooks.breakerCooldownMs },
      webhooks.breakerMaxHosts,
    ),
  };
}
