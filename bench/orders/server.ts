// The real service for the outbox benchmark: createService from src/app.ts on
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

import { pino } from 'pino';
import { createService, loadServiceKeys, socketLimits } from '../../src/app.ts';
import { openDatabase } from '../../src/db/open-database.ts';
import { startServer } from '../../src/http/server.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createLogger } from '../../src/platform/logger.ts';

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
const logger = createLogger({ level: config.log.level, destination: pino.destination(2) });
const lifecycle = new Lifecycle(logger);
const { sql } = await openDatabase(config, logger);
lifecycle.add({ name: 'database', close: () => sql.close() });
const keys = await loadServiceKeys(config, logger);
const { app } = createService(config, {
  logger,
  lifecycle,
  sql,
  ...keys,
  ...(outbox === 'off' ? { recordOrderEvent: () => Promise.resolve('') } : {}),
});
const server = await startServer(app.handler, {
  host: '127.0.0.1',
  port: 0,
  ...socketLimits(config),
  logger,
});
lifecycle.add({
  name: 'http-server',
  close: async () => {
    app.close();
    await server.close(0);
  },
});
lifecycle.markReady();
process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid })}\n`);

const stop = (): void => {
  void lifecycle.stop('benchmark finished').finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
