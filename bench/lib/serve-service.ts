// Runs the real service (createService from src/wiring/app.ts) as a benchmark
// contender process: the database from config, the full default pipeline,
// the port announced on stdout as `{"port":…,"pid":…}` (logs go to stderr),
// and a clean stop on SIGTERM/SIGINT. Each bench's server script builds its
// config and calls this.

import { pino, type DestinationStream } from 'pino';
import {
  createService,
  loadServiceKeys,
  socketLimits,
  type ServiceDeps,
} from '../../src/wiring/app.ts';
import { openDatabase } from '../../src/wiring/sql-engine.ts';
import { startServer } from '../../src/http/server/server.ts';
import type { Config } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startTracing } from '../../src/platform/tracing/tracing.ts';
import { SERVICE_VERSION } from '../../src/wiring/service-version.ts';

export interface ServeOptions extends Pick<ServiceDeps, 'recordOrderEvent'> {
  /** Where the log goes; stderr by default (stdout carries the announcement). */
  readonly logDestination?: DestinationStream;
}

export async function serveService(config: Config, options: ServeOptions = {}): Promise<void> {
  const { logDestination = pino.destination(2), ...extra } = options;
  // As the web process: tracing (when the config has an endpoint) before the logger and the database.
  const tracing = await startTracing(config.tracing, {
    serviceVersion: SERVICE_VERSION,
    role: 'web',
  });
  const logger = createLogger({
    level: config.log.level,
    destination: logDestination,
    mixin: tracing?.logFields,
  });
  const lifecycle = new Lifecycle(logger);
  if (tracing !== undefined) lifecycle.add({ name: 'tracing', close: () => tracing.shutdown() });
  const { sql } = await openDatabase(config, logger);
  lifecycle.add({ name: 'database', close: () => sql.close() });
  const keys = await loadServiceKeys(config, logger);
  const { app, shared } = createService(config, { logger, lifecycle, sql, ...keys, ...extra });
  // As src/wiring/main.ts: on Redis, the first requests should not wait for the connection.
  if (!(await shared.connected())) throw new Error('Redis is unreachable');
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
}
