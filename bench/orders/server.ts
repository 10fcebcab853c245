// The real service for the outbox benchmark: createService from src/wiring/app.ts on
// the database the runner prepared (DATABASE_URL → PostgreSQL, otherwise
// PGlite under DATA_DIR/pglite), with the full default pipeline and the
// workers as WORKERS says (inline by default: the outbox relay and the job
// workers run in this process, as in a single-process deployment).
//
// OUTBOX=on is the service as it ships: placing an order records
// `order.placed` in the outbox inside the order's transaction. OUTBOX=off
// records nothing — the one difference between the two contenders.
//
// LOG_LEVEL=warn (no access log), logs to stderr: stdout carries the
// `{"port":…}` announcement. Rate limits are off, as in the other benches:
// one load generator is one client. NODE_ENV=test for the config only.

// First: the schemas built by everything below are compiled (see the file).
import '../../src/platform/compiled-validation.ts';
import { serveService } from '../lib/serve-service.ts';
import { loadConfig } from '../../src/platform/config.ts';

const dataDir = process.env['DATA_DIR'];
if (dataDir === undefined) throw new Error('DATA_DIR is required');
const databaseUrl = process.env['DATABASE_URL'];
const outbox = process.env['OUTBOX'];
if (outbox !== 'on' && outbox !== 'off') throw new Error('OUTBOX must be "on" or "off"');
const workers = process.env['WORKERS'] ?? 'inline';

const config = loadConfig({
  argv: [],
  env: {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'false',
    WORKERS: workers,
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  },
});
await serveService(config, outbox === 'off' ? { recordOrderEvent: () => Promise.resolve('') } : {});
