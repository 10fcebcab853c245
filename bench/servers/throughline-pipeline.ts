// Throughline's production pipeline, built the way createService
// (src/wiring/app.ts) builds it, from a Config loaded like the service's:
// createHttpApp, then the request metrics, the unit of work, access log
// (with Server-Timing's phases), security headers,
// compression, authentication, CORS and the global rate limits, in that
// order. `{ metrics: false }` leaves the request metrics out, as
// METRICS_ENABLED=false does: the pair says what counting and timing every
// request costs. `{ tracingRatio }` adds tracing as an OTLP endpoint does —
// the request span around everything, the trace ids on the access log's
// lines — sampling that share of the requests, exported to a sink in a
// process of its own on the same core (otlp-sink.ts).
//
// What it leaves out, and why it does not change the work on the benchmark
// routes:
// - Authentication checks access tokens against an in-memory key ring; the
//   service's API-key and session authenticators need a database. On a
//   public route the middleware ignores every credential, so none of the
//   three is consulted there in the service either.
// - The database, queue, mail and the modules' routes: nothing on these
//   routes touches them.
//
// Rate limits are in process (no REDIS_URL), at RATE_LIMIT: the `ip` policy
// counts every request, the `user` policy skips anonymous ones, as in the
// service.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/http/app.ts';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { requestMetrics } from '../../src/http/middleware/request-metrics/request-metrics.ts';
import { ServiceMetrics } from '../../src/platform/metrics/metrics.ts';
import { compression } from '../../src/http/middleware/compression/compression.ts';
import { cors } from '../../src/http/middleware/cors/cors.ts';
import { securityHeaders } from '../../src/http/middleware/security-headers/security-headers.ts';
import { authentication } from '../../src/modules/auth/authenticate.ts';
import { createKeyRing, generateSigningKey } from '../../src/modules/auth/tokens/signing-keys.ts';
import { createAccessTokenService } from '../../src/modules/auth/tokens/token-service.ts';
import { ReadinessChecks } from '../../src/modules/health/readiness.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createHttpApp, serviceSecurityHeaders } from '../../src/wiring/http-setup.ts';
import { SERVICE_VERSION } from '../../src/wiring/service-version.ts';
import { requestTracing } from '../../src/http/middleware/request-tracing/request-tracing.ts';
import { activeServerSpans } from '../../src/platform/tracing/active.ts';
import { createRequestTracer } from '../../src/platform/tracing/request-spans.ts';
import { startTracing } from '../../src/platform/tracing/tracing.ts';
import { startOtlpSink } from './otlp-sink.ts';
import { createRateLimits } from '../../src/wiring/rate-limits.ts';
import { unitOfWork, workTimingPhases } from '../../src/wiring/unit-of-work.ts';
import { CancellationStats } from '../../src/platform/unit-of-work.ts';
import { MATCHED_SERVICE_ENV, openAccessLogFile } from './matched-settings.ts';

export interface ProductionApp {
  readonly app: App;
  /** Stops the app's timers and removes the access log file. */
  readonly close: () => void;
}

export async function productionApp(
  options: { readonly metrics?: boolean; readonly tracingRatio?: number } = {},
): Promise<ProductionApp> {
  // The config wants a data directory; nothing on the benchmark routes writes to it.
  const dataDir = mkdtempSync(join(tmpdir(), 'throughline-bench-data-'));
  // NODE_ENV=test for the config only: production would demand the signing
  // and data keys as secrets. No setting read below differs by environment.
  const config = loadConfig({
    argv: [],
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: dataDir,
      ...MATCHED_SERVICE_ENV,
      // The span encoding and batches, as the service takes them
      // (protobuf, and OpenTelemetry's batch defaults, unless set).
      OTEL_EXPORTER_OTLP_PROTOCOL: process.env.OTEL_EXPORTER_OTLP_PROTOCOL,
      OTEL_BSP_SCHEDULE_DELAY: process.env.OTEL_BSP_SCHEDULE_DELAY,
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    },
  });
  const sink = options.tracingRatio === undefined ? undefined : await startOtlpSink();
  const tracing =
    sink === undefined
      ? undefined
      : await startTracing(
          {
            endpoint: sink.endpoint,
            serviceName: 'throughline-bench',
            sampleRatio: options.tracingRatio!,
            protocol: config.tracing.protocol,
            batchDelayMs: config.tracing.batchDelayMs,
            maxBatchSpans: config.tracing.maxBatchSpans,
          },
          { serviceVersion: SERVICE_VERSION, role: 'web' },
        );
  const log = openAccessLogFile('throughline');
  const logger = createLogger({
    level: config.log.level,
    destination: log.destination,
    mixin: tracing?.logFields,
  });
  const lifecycle = new Lifecycle(logger);
  const readiness = new ReadinessChecks(() => 'ready');

  const now = new Date();
  const ring = await createKeyRing({
    keys: [{ jwk: await generateSigningKey(now), state: 'current', createdAt: now }],
    now,
  });
  const tokens = createAccessTokenService({
    ring,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    ttlSeconds: config.auth.accessTokenTtlSeconds,
  });

  const app = createHttpApp(config, logger);
  const serverSpans = activeServerSpans();
  const traced =
    serverSpans === undefined ? undefined : requestTracing(createRequestTracer(serverSpans));
  if (traced !== undefined) app.use(traced.outer);
  if (options.metrics ?? true) app.use(requestMetrics(new ServiceMetrics()));
  app.use(unitOfWork(new CancellationStats()));
  app.use(
    accessLog({
      slowMs: config.log.slowRequestMs,
      serverTiming: config.http.serverTiming,
      timingPhases: workTimingPhases,
    }),
    securityHeaders(serviceSecurityHeaders(config)),
    compression(),
    authentication({ tokens }),
  );
  if (traced !== undefined) app.use(traced.errors);
  app.use(cors({ origins: config.cors.origins, credentials: config.cors.credentials }));
  app.use(...createRateLimits(config, { logger, lifecycle, readiness }).global);
  return {
    app,
    close: () => {
      app.close();
      void tracing?.shutdown();
      sink?.close();
      log.remove();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
