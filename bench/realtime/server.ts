// The real service for `npm run bench:realtime`: createService on the
// database the runner prepared (DATABASE_URL → PostgreSQL, otherwise PGlite
// under DATA_DIR/pglite), workers inline, so the relay and the realtime hub
// run in this process as in a single-instance deployment.
//
// Set apart from the defaults, and why:
// - a client may subscribe to every timed order at once (the per-socket
//   message rate and subscription cap would otherwise refuse a burst of 20);
// - the access token outlives a long run (sockets close when it expires);
// - a 256 MiB upload may take longer than the default request timeout on a
//   busy machine;
// - DATA_ENCRYPTION_KEY and METRICS_TOKEN come from the runner, which signs
//   upload URLs and reads /metrics itself.
// SIGUSR2 collects garbage (node runs with --expose-gc), so the runner's
// memory readings are what is alive.
//
// LOG_LEVEL=warn, logs to stderr: stdout carries the `{"port":…}` announcement.

// First: the schemas built by everything below are compiled (see the file).
import '../../src/platform/compiled-validation.ts';
import { serveService } from '../lib/serve-service.ts';
import { loadConfig } from '../../src/platform/config.ts';

const dataDir = process.env['DATA_DIR'];
if (dataDir === undefined) throw new Error('DATA_DIR is required');
const databaseUrl = process.env['DATABASE_URL'];
const optional = (name: string) => {
  const value = process.env[name];
  return value === undefined ? {} : { [name]: value };
};

process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
});

const config = loadConfig({
  argv: [],
  env: {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'false',
    OUTBOX_POLL_INTERVAL_MS: process.env['OUTBOX_POLL_INTERVAL_MS'] ?? '1000',
    REALTIME_MESSAGES_PER_SECOND: '1000',
    REALTIME_MAX_SUBSCRIPTIONS: '1000',
    ACCESS_TOKEN_TTL_S: '3600',
    HTTP_REQUEST_TIMEOUT_MS: '600000',
    ...optional('DATA_ENCRYPTION_KEY'),
    ...optional('METRICS_TOKEN'),
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  },
});
await serveService(config);
