// Process entry for `npm run worker`: the job workers and the outbox relay
// (src/workers.ts) without the HTTP service, for deployments that run them
// apart from the web instances (those then set WORKERS=off). Same config as
// src/main.ts, same database and queue; SIGTERM stops taking jobs, lets the
// running ones finish (or gives them back after the grace period), closes
// the database and exits 0.

import type { Logger } from 'pino';
import { prepareDatabase } from './db/prepare.ts';
import { ConfigError, loadConfig, type Config } from './platform/config.ts';
import { exitWhenIdle, Lifecycle } from './platform/lifecycle.ts';
import { createLogger } from './platform/logger.ts';
import { createMailer } from './platform/mailer.ts';
import { startWorkers } from './workers.ts';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.log.level });
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals();
  try {
    await run(config, logger, lifecycle);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await lifecycle.stop('start-up failed');
    exitWhenIdle(1);
  }
}

async function run(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<void> {
  const sql = await prepareDatabase(config, logger, lifecycle);
  const mailer = createMailer(config, logger);
  lifecycle.add({ name: 'mail', close: async () => mailer.close?.() });
  startWorkers(config, { logger, lifecycle, sql, mailer });
  lifecycle.markReady();
  logger.info({ queue: config.queue.backend }, 'workers running');
}

await main();
