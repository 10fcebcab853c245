// The worker process's metrics: `npm run worker` serves no API, so with
// WORKER_METRICS_PORT set it opens a listener of its own for GET /metrics —
// the work it does (jobs, the outbox relay, webhook deliveries, mail,
// statements, breakers: work-metrics.ts) and the process. The same route as
// the web process's (modules/metrics), so the same rules: the METRICS_TOKEN
// bearer token when configured, and in production only with one. The same
// listener answers the orchestrator's probes: /livez while the event loop
// turns (a TCP check would pass a stuck process, the kernel accepting for
// it) and /readyz with the worker's own checks.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import { createApp } from '../http/app.ts';
import { socketLimits } from './http-setup.ts';
import { startServer, type RunningServer } from '../http/server/server.ts';
import { metricsModule } from '../modules/metrics/module.ts';
import { ReadinessChecks } from '../modules/health/readiness.ts';
import { registerHealthRoutes } from '../modules/health/routes.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { JobQueue } from '../ports/queue.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { ServiceStats } from './service-stats.ts';
import { reportWork } from './work-metrics.ts';
import { WORKED_QUEUES } from './workers.ts';

export interface WorkerMetricsDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  readonly queue: JobQueue;
  readonly stats: ServiceStats;
  /** The worker's dependency checks; without them /readyz reports the lifecycle alone. */
  readonly readiness?: ReadinessChecks;
}

/** Starts the listener when configured; undefined when not. */
export async function startWorkerMetrics(
  config: Config,
  deps: WorkerMetricsDeps,
): Promise<RunningServer | undefined> {
  const { logger, lifecycle } = deps;
  const port = config.metrics.workerPort;
  if (port === undefined || !config.metrics.enabled) return undefined;
  const metrics = new ServiceMetrics();
  reportWork(metrics, {
    sql: deps.sql,
    queue: deps.queue,
    queues: WORKED_QUEUES,
    stats: deps.stats,
  });
  const app = createApp({ logger });
  metricsModule.routes?.(app, { metrics, config, logger });
  registerHealthRoutes(
    app,
    deps.readiness ??
      new ReadinessChecks(() =>
        lifecycle.stopping ? 'stopping' : lifecycle.ready ? 'ready' : 'starting',
      ),
  );
  const server = await startServer(app.handler, {
    host: config.metrics.workerHost,
    port,
    ...socketLimits(config),
    logger,
  });
  lifecycle.add({
    name: 'metrics listener',
    close: async () => {
      app.close();
      await server.close(1000);
    },
  });
  logger.info({ url: server.url }, 'worker metrics listening');
  return server;
}
