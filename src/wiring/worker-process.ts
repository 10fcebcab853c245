// The worker process (`npm run worker`, entered through worker.ts): the job
// workers and the outbox relay (workers.ts) without the HTTP service, for
// deployments that run them apart from the web instances (those then set
// WORKERS=off). Same config as the web process, same database and queue;
// SIGTERM stops taking jobs, lets the running ones finish (or gives them
// back after the grace period), closes the database and exits 0. With
// WORKER_METRICS_PORT it serves GET /metrics for its work, and the probes
// /livez and /readyz (worker-metrics.ts). SIGHUP reloads the configuration
// as in the web process (reload.ts): here only the log level matters.

// First: the schemas built by everything below are compiled (see the file).
import '../platform/compiled-validation.ts';
import type { Logger } from 'pino';
import { saveCompileCache } from './compile-cache.ts';
import { prepareDatabase } from './database.ts';
import { ConfigError, loadConfig, type Config, type SettingFileRead } from '../platform/config.ts';
import { createLiveConfig } from '../platform/live-config.ts';
import { createAudit } from '../modules/audit/module.ts';
import { createConfigReloader } from './reload.ts';
import { handleReloadSignal, type ReloadSignal } from './reload-signal.ts';
import { exitWhenIdle, Lifecycle, shutdownBudget } from '../platform/lifecycle.ts';
import { createLogger, logStartupFailure } from '../platform/logger.ts';
import { startTracing } from '../platform/tracing/tracing.ts';
import { SERVICE_VERSION } from './service-version.ts';
import { loadDataKey } from '../platform/data-key.ts';
import { createMailer } from './mail.ts';
import { ReadinessChecks } from '../modules/health/readiness.ts';
import { createJobQueue, openSearchEngine } from './engines.ts';
import { openBlobStore } from './blobs.ts';
import { createSharedState } from './engines.ts';
import { createSessionStore } from './engines.ts';
import { startWorkers } from './workers.ts';
import { createServiceStats } from './service-stats.ts';
import { startWorkerMetrics } from './worker-metrics.ts';
import { createProductCache } from '../modules/catalog/product-cache.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // The setting files read at start-up: audited once the database is open.
  const fileReads: SettingFileRead[] = [];
  let config: Config;
  try {
    config = loadConfig({ argv, env: process.env, onFileRead: (read) => fileReads.push(read) });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Before the logger (its lines carry the trace ids) and the database (its queries' spans).
  const tracing = await startTracing(config.tracing, {
    serviceVersion: SERVICE_VERSION,
    role: 'worker',
  });
  const logger = createLogger({ level: config.log.level, mixin: tracing?.logFields });
  const lifecycle = new Lifecycle(logger, shutdownBudget(config.shutdown));
  lifecycle.handleSignals();
  const reload = handleReloadSignal(logger);
  if (tracing !== undefined) {
    tracing.reportTo(logger);
    // Registered first, so it closes last: the spans of the shutdown go out too.
    lifecycle.add({ name: 'tracing', close: () => tracing.shutdown() });
  }
  try {
    await run(config, logger, lifecycle, { argv, fileReads, reload });
  } catch (error) {
    logStartupFailure(logger, error);
    await lifecycle.stop('start-up failed');
    exitWhenIdle(1);
  }
}

interface Reloading {
  readonly argv: readonly string[];
  readonly fileReads: readonly SettingFileRead[];
  readonly reload: ReloadSignal;
}

async function run(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  reloading: Reloading,
): Promise<void> {
  const { sql, snapshot } = await prepareDatabase(config, logger, lifecycle);
  // No rate limits, flags or token keys here: of what a reload applies, the
  // log level is what this process uses.
  const reloader = createConfigReloader({
    logger,
    live: createLiveConfig(config),
    audit: createAudit(sql).sink,
  });
  await reloader.recordFileReads(reloading.fileReads, 'start');
  const stats = createServiceStats(config);
  const mailer = createMailer(config, logger, sql, stats);
  lifecycle.add({ name: 'mail', close: async () => mailer.close?.() });
  // Sessions live in the database, or in Redis beside the shared state.
  // Its /readyz (on WORKER_METRICS_PORT, beside /metrics) asks these checks.
  const readiness = new ReadinessChecks(() =>
    lifecycle.stopping ? 'stopping' : lifecycle.ready ? 'ready' : 'starting',
  );
  readiness.add('database', (signal) => sql.ping(signal));
  const shared = createSharedState(config, { logger, lifecycle, readiness });
  const sessions = createSessionStore(config, { sql, shared });
  // The same data key as the web instances: the webhook secrets are sealed with it.
  const { key: dataKey } = await loadDataKey(config.security.dataKey, config.dataDir);
  await shared.connected();
  const queue = createJobQueue(config, { logger, lifecycle, sql });
  const blobs = openBlobStore(config, { dataKey, lifecycle });
  startWorkers(config, {
    logger,
    lifecycle,
    sql,
    queue,
    shared,
    mailer,
    sessions,
    dataKey,
    snapshot,
    search: openSearchEngine(config, {
      sql,
      logger,
      lifecycle,
      readiness,
      breakers: stats.breakers,
    }),
    stats,
    blobs: blobs.store,
    // Only to invalidate: the worker reads no product through it.
    productCache: config.cache.enabled
      ? createProductCache(config, { shared, logger, lifecycle })
      : undefined,
  });
  // After the workers: the listener closes before them, and the queue is instrumented.
  await startWorkerMetrics(config, { logger, lifecycle, sql, queue, stats, readiness });
  lifecycle.markReady();
  reloading.reload.arm(reloader, reloading.argv);
  logger.info({ queue: config.queue.backend }, 'workers running');
  saveCompileCache();
}

await main();
