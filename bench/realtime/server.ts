// The real service for `npm run bench:realtime`: createService on the
// database the runner prepared (DATABASE_URL → PostgreSQL, otherwise PGlite
// under DATA_DIR/pglite), workers inline, so the relay and the realtime hub
// run in this process as in a single-instance deployment. The relay's
// pause (OUTBOX_POLL_INTERVAL_MS) is the runner's to choose: it bounds the
// delay from commit to client.
//
// LOG_LEVEL=warn, logs to stderr: stdout carries the `{"port":…}` announcement.

// First: the schemas built by everything below are compiled (see the file).
import '../../src/platform/compiled-validation.ts';
import { serveService } from '../lib/serve-service.ts';
import { loadConfig } from '../../src/platform/config.ts';

const dataDir = process.env['DATA_DIR'];
if (dataDir === undefined) throw new Error('DATA_DIR is required');
const databaseUrl = process.env['DATABASE_URL'];

const config = loadConfig({
  argv: [],
  env: {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    RATE_LIMIT_ENABLED: 'false',
    OUTBOX_POLL_INTERVAL_MS: process.env['OUTBOX_POLL_INTERVAL_MS'] ?? '50',
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  },
});
await serveService(config);
