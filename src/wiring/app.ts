// The composition root: the one place that knows every concrete part. It
// builds the HTTP app from config, installs the global pipeline (access log,
// security headers, compression, authentication, CORS, rate limits, in that
// order), builds the parts modules share — the engines config picks
// (engines.ts), the audit trail, mail, the job queue, the credentials — and
// registers every module in the list (modules.ts) with them; unless they run
// apart, the workers start here too (workers.ts). No container: the context
// is a plain typed object, checked against what each module asks for.
//
// Lifecycle order matters: parts close in the reverse of their registration,
// so what uses a part is registered after it (the workers after the queue,
// the queue after the mailer, everything after the database in main.ts).

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import type { App } from '../http/app.ts';
import { accessLog } from '../http/middleware/access-log/access-log.ts';
import { compression } from '../http/middleware/compression/compression.ts';
import { cors } from '../http/middleware/cors/cors.ts';
import { securityHeaders } from '../http/middleware/security-headers/security-headers.ts';
import {
  createHttpApp,
  registerServiceDocs,
  SERVICE_VERSION,
  serviceSecurityHeaders,
} from './http-setup.ts';
import { registerServiceIndex } from '../http/openapi/service-index.ts';
import { demoAccountsToList } from './demo-accounts.ts';
import { createAudit } from '../modules/audit/module.ts';
import { loadKeyRing } from '../modules/auth/keys.ts';
import { createSignOutEverywhere } from '../modules/auth/sign-out-everywhere.ts';
import type { KeyRing } from '../modules/auth/tokens/signing-keys.ts';
import { createProductCache } from '../modules/catalog/product-cache.ts';
import type { recordEvent } from '../modules/events/outbox.ts';
import { ReadinessChecks } from '../modules/health/readiness.ts';
import { createFeatureFlags, type FeatureFlags } from '../modules/flags/feature-flags.ts';
import { createProductTextSearch } from '../modules/search/product-search.ts';
import type { BackgroundTasks } from '../platform/background.ts';
import type { Config } from '../platform/config.ts';
import { loadDataKey } from '../platform/data-key.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { createJobQueue, openSearchEngine } from './engines.ts';
import { createSharedState, type SharedState } from './engines.ts';
import { startMail } from './mail.ts';
import { openBlobStore } from './blobs.ts';
import { registerModuleRoutes, type ServiceContext } from './modules.ts';
import type { SearchEngine } from '../ports/search.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { createRateLimits } from './rate-limits.ts';
import { createConfigReloader, type ConfigReloader } from './reload.ts';
import { createLiveConfig } from '../platform/live-config.ts';
import { createCredentials } from './trust.ts';
import { startWorkers, WORKED_QUEUES } from './workers.ts';
import { reportServiceParts } from './metrics.ts';
import { createServiceStats } from './service-stats.ts';
import { reportWork } from './work-metrics.ts';
import { ServiceMetrics } from '../platform/metrics/metrics.ts';
import { requestMetrics } from '../http/middleware/request-metrics/request-metrics.ts';
import { CancellationStats } from '../platform/unit-of-work.ts';
import { reportCancellations } from './cancellation-metrics.ts';
import { unitOfWork, workTimingPhases } from './unit-of-work.ts';
import { requestTracing } from '../http/middleware/request-tracing/request-tracing.ts';
import { activeServerSpans } from '../platform/tracing/active.ts';
import { createRequestTracer } from '../platform/tracing/request-spans.ts';

export { SERVICE_VERSION, socketLimits } from './http-setup.ts';

export interface ServiceDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Access-token signing keys (see modules/auth/keys.ts). */
  readonly keys: KeyRing;
  /**
   * Encrypts stored secrets such as TOTP seeds and webhook secrets, and keys derived
   * from it sign the product list's cursors (see platform/data-key.ts).
   */
  readonly dataKey: Buffer;
  /** The embedded database's snapshot, for scheduled backups; absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
  /** How placing an order records its events; the outbox when absent (bench/orders replaces it). */
  readonly recordOrderEvent?: typeof recordEvent | undefined;
  /** The search engine; the configured one when absent (tests hand in one that records). */
  readonly search?: SearchEngine | undefined;
}

export interface Service {
  readonly app: App;
  readonly readiness: ReadinessChecks;
  /** Work running after its response went out (mail); `idle()` waits for it. */
  readonly background: BackgroundTasks;
  /** Key-value store and pub/sub: in process, or on Redis with REDIS_URL. */
  readonly shared: SharedState;
  /** The OpenAPI document as /openapi.json serves it (built on first use). */
  readonly openapi: () => Record<string, unknown>;
  /** What the modules were built from: the gRPC services are built from it too (grpc.ts). */
  readonly context: ServiceContext;
  /** Feature flags (modules/flags/): their store reloads on SIGHUP with a new period. */
  readonly flags: FeatureFlags;
  /** Applies a reloaded configuration (SIGHUP, web-process.ts). */
  readonly reloader: ConfigReloader;
}

/**
 * The keys the service needs before it can start: token signing keys and the
 * data key, each from its secret, or generated under DATA_DIR in development.
 */
export async function loadServiceKeys(
  config: Config,
  logger: Logger,
): Promise<Pick<ServiceDeps, 'keys' | 'dataKey'>> {
  const keys = await loadKeyRing(config, logger);
  const dataKey = await loadDataKey(config.security.dataKey, config.dataDir);
  if (dataKey.generatedAt !== undefined) {
    logger.warn(
      { path: dataKey.generatedAt },
      'generated a development data key (set DATA_ENCRYPTION_KEY in production)',
    );
  }
  return { keys, dataKey: dataKey.key };
}

export function createService(config: Config, deps: ServiceDeps): Service {
  const { logger, lifecycle, sql } = deps;
  const app = createHttpApp(config, logger);
  const security = serviceSecurityHeaders(config);
  const readiness = new ReadinessChecks(() =>
    lifecycle.stopping ? 'stopping' : lifecycle.ready ? 'ready' : 'starting',
  );
  readiness.add('database', (signal) => sql.ping(signal));
  const shared = createSharedState(config, { logger, lifecycle, readiness });
  const stats = createServiceStats(config);
  readiness.reportBreakers(() => stats.breakers.states());
  const credentials = createCredentials(config, { keys: deps.keys, sql, shared });
  // The request's span first, around everything (request-tracing.ts); only with tracing on.
  const serverSpans = activeServerSpans();
  const tracing =
    serverSpans === undefined ? undefined : requestTracing(createRequestTracer(serverSpans));
  if (tracing !== undefined) app.use(tracing.outer);
  // Request metrics next: the same phase as the access log, and outside it.
  const metrics = config.metrics.enabled ? new ServiceMetrics() : undefined;
  if (metrics !== undefined) app.use(requestMetrics(metrics));
  // Then the unit of work, around the access log (unit-of-work.ts).
  const cancellations = new CancellationStats();
  app.use(unitOfWork(cancellations));
  app.use(
    accessLog({
      slowMs: config.log.slowRequestMs,
      serverTiming: config.http.serverTiming,
      timingPhases: workTimingPhases,
    }),
    securityHeaders(security),
    compression(),
    credentials.authenticate,
  );
  if (tracing !== undefined) app.use(tracing.errors);
  if (config.cors.origins.length > 0) {
    app.use(cors({ origins: config.cors.origins, credentials: config.cors.credentials }));
  }
  // Per-IP before authentication, per-user after it; the sign-in routes add
  // stricter ones (rate-limits.ts).
  const rateLimits = createRateLimits(config, { logger, lifecycle, readiness });
  app.use(...rateLimits.global);

  const productCache = config.cache.enabled
    ? createProductCache(config, { shared, logger, lifecycle })
    : undefined;
  const audit = createAudit(sql);
  const { mailer, background } = startMail(config, { logger, lifecycle, sql, stats });
  // After 'mail', so the queue and the workers stop before the mailer they use closes.
  // The web process needs the queue even without workers: replays, the jobs dashboard.
  const queue = createJobQueue(config, { logger, lifecycle, sql });
  // One engine for the routes and the workers that keep its index in step.
  const search =
    deps.search ??
    openSearchEngine(config, { sql, logger, lifecycle, readiness, breakers: stats.breakers });
  // After the shared state, so it stops before the pub/sub it listens on closes.
  const flags = createFeatureFlags({
    sql,
    pubsub: shared.pubsub,
    logger,
    lifecycle,
    refreshMs: config.flags.refreshMs,
  });
  // Before the workers, so it closes after them.
  const blobs = openBlobStore(config, { dataKey: deps.dataKey, lifecycle });
  if (config.workers.mode === 'inline') {
    startWorkers(config, {
      logger,
      lifecycle,
      sql,
      queue,
      shared,
      mailer,
      sessions: credentials.sessionStore,
      dataKey: deps.dataKey,
      snapshot: deps.snapshot,
      search,
      stats,
      blobs: blobs.store,
      productCache,
    });
  }

  if (metrics !== undefined) reportCancellations(metrics, cancellations);
  if (metrics !== undefined) {
    reportServiceParts(metrics, {
      database: sql,
      caches: { products: productCache },
      rateLimits: [...rateLimits.global, ...rateLimits.signIn],
    });
    reportWork(metrics, { sql, queue, queues: WORKED_QUEUES, stats });
  }

  const live = createLiveConfig(config);
  const reloader = createConfigReloader({
    logger,
    live,
    rateLimits: [...rateLimits.global, ...rateLimits.signIn],
    flags,
    keys: deps.keys,
    audit: audit.sink,
  });
  const context: ServiceContext = {
    config,
    live,
    logger,
    lifecycle,
    sql,
    readiness,
    shared,
    keys: deps.keys,
    dataKey: deps.dataKey,
    audit: audit.sink,
    auditLog: audit.log,
    mailer,
    background,
    queue,
    queues: WORKED_QUEUES,
    credentials,
    signOut: createSignOutEverywhere({ sql, sessions: credentials.sessionStore, logger }),
    signInLimits: rateLimits.signIn,
    productCache,
    search,
    productSearch: createProductTextSearch(search),
    metrics,
    recordOrderEvent: deps.recordOrderEvent,
    blobs: blobs.store,
    selfServedBlobs: blobs.selfServed,
    security,
    flags,
  };
  registerModuleRoutes(app, context);
  const openapi = registerServiceDocs(app, config, security);
  registerServiceIndex(app, {
    name: 'Throughline API',
    version: SERVICE_VERSION,
    signInAccounts: demoAccountsToList(config.nodeEnv),
  });
  return { app, readiness, background, shared, openapi, context, flags, reloader };
}
