// Abandoned work, as metrics: requests whose client left before the answer,
// and the queries that stopped with them — cancelled on the database while
// running, or never started. Counted in plain numbers by the unit of work
// (platform/unit-of-work.ts), read when scraped.

import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { CancellationStats } from '../platform/unit-of-work.ts';

export function reportCancellations(metrics: ServiceMetrics, stats: CancellationStats): void {
  metrics.counter(
    {
      name: 'http_requests_aborted_total',
      help: 'Requests whose client closed the connection before the response was written (logged with status 499).',
    },
    () => [[{}, stats.requestsAborted]],
  );
  metrics.counter(
    {
      name: 'db_queries_cancelled_total',
      help: 'Queries stopped because their request was abandoned (client gone, deadline passed): cancelled on the database while running (PostgreSQL only), or never started.',
      labelNames: ['stage'],
    },
    () => [
      [{ stage: 'running' }, stats.queriesCancelled],
      [{ stage: 'not_started' }, stats.queriesSkipped],
    ],
  );
}
