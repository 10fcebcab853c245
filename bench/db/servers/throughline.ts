// The real service for the database benchmark: createService from src/wiring/app.ts
// with the full default pipeline as production runs it, on whichever engine
// the environment names (DATABASE_URL → PostgreSQL, otherwise PGlite under
// DATA_DIR/pglite; the runner prepares both). Configured like the HTTP
// benchmark's production pipeline and its feature-matched Fastify
// (../../servers/matched-settings.ts): an access-log line per request at info,
// written to a file; the per-IP and per-user rate limits on, at a limit no run
// reaches; the same CORS origin and token issuer and audience.
// NODE_ENV=test for the config only: production would demand JWT_SIGNING_KEYS,
// and nothing on the measured path depends on it.
//
// The product cache is named by the runner, never left to the config default
// (on): CACHE_ENABLED=false is the uncached contender the earlier figures
// measured, CACHE_ENABLED=true the cached one, with REDIS_URL (and a
// REDIS_KEY_PREFIX of the run's own) for the Redis-backed leg. Every other
// cache setting keeps the service's defaults.
//
// TRACING_RATIO, when set, turns tracing on as OTEL_EXPORTER_OTLP_ENDPOINT
// does, sampling that share of the requests, exported to a sink in this
// process (../../servers/otlp-sink.ts).

// First: the schemas built by everything below are compiled (see the file).
import '../../../src/platform/compiled-validation.ts';
import { serveService } from '../../lib/serve-service.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { MATCHED_SERVICE_ENV, openAccessLogFile } from '../../servers/matched-settings.ts';
import { startOtlpSink } from '../../servers/otlp-sink.ts';

const dataDir = process.env['DATA_DIR'];
if (dataDir === undefined) throw new Error('DATA_DIR is required');
const databaseUrl = process.env['DATABASE_URL'];
const cacheEnabled = process.env['CACHE_ENABLED'];
if (cacheEnabled !== 'true' && cacheEnabled !== 'false') {
  throw new Error('CACHE_ENABLED must be "true" or "false"');
}
const redisUrl = process.env['REDIS_URL'];
const redisKeyPrefix = process.env['REDIS_KEY_PREFIX'];
if (redisUrl !== undefined && redisKeyPrefix === undefined) {
  throw new Error('REDIS_URL needs a REDIS_KEY_PREFIX of its own');
}

const tracingRatio = process.env['TRACING_RATIO'];
const sink = tracingRatio === undefined ? undefined : await startOtlpSink();

const config = loadConfig({
  argv: [],
  env: {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    ...MATCHED_SERVICE_ENV,
    CACHE_ENABLED: cacheEnabled,
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
    ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    ...(redisKeyPrefix === undefined ? {} : { REDIS_KEY_PREFIX: redisKeyPrefix }),
    ...(sink === undefined
      ? {}
      : { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_TRACES_SAMPLER_ARG: tracingRatio! }),
  },
});
const log = openAccessLogFile('throughline-db');
process.once('exit', () => {
  log.remove();
});
await serveService(config, { logDestination: log.destination });
