// The web process (entered through main.ts): config → logger → service →
// listen → signals. Everything that can fail at start-up fails here, loudly,
// before the port opens: a bad config lists every problem and exits 1.
//
// The database opens while the rest of the service's code loads: opening is
// mostly WebAssembly being compiled (on V8's background threads) and
// PostgreSQL starting, loading is mostly compiling and running modules on
// this thread, so on two cores the two overlap. The ready line says how long it all took
// (`readyMs`, from the process's start).

// First: the schemas built by everything below are compiled (see the file).
import '../platform/compiled-validation.ts';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { saveCompileCache } from './compile-cache.ts';
import { prepareDatabase } from './database.ts';
import { handleReloadSignal, type ReloadSignal } from './reload-signal.ts';
import { startGrpc } from './grpc.ts';
import { startServer } from '../http/server/server.ts';
import {
  ConfigError,
  isPrintConfigRequested,
  loadConfig,
  printConfig,
  type SettingFileRead,
} from '../platform/config.ts';
import type { Config } from '../platform/config.ts';
import { ensureDevCertificate } from '../platform/dev-cert.ts';
import { exitWhenIdle, Lifecycle, shutdownBudget } from '../platform/lifecycle.ts';
import { createLogger, logStartupFailure } from '../platform/logger.ts';
import { startTracing } from '../platform/tracing/tracing.ts';
import { SERVICE_VERSION } from './service-version.ts';

/** How long cutting the connections still open after the grace may take. */
const HTTP_CUT_MS = 1000;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // The setting files read at start-up: audited once the audit log is open.
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
  if (isPrintConfigRequested(argv)) {
    printConfig(config);
    return;
  }

  // Before the logger (its lines carry the trace ids) and the database (its queries' spans).
  const tracing = await startTracing(config.tracing, {
    serviceVersion: SERVICE_VERSION,
    role: 'web',
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
    await serve(config, logger, lifecycle, { argv, fileReads, reload });
  } catch (error) {
    // A port in use, an unreadable certificate…: close whatever did open, say
    // why in the log (not as an unhandled rejection) and exit non-zero.
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

async function serve(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  reloading: Reloading,
): Promise<void> {
  const [{ sql, snapshot }, { createService, loadServiceKeys, socketLimits }] = await allSettled(
    prepareDatabase(config, logger, lifecycle),
    import('./app.ts'),
  );
  // Only once the database is open (embedded: its directory's lock is held):
  // a development start generates keys under DATA_DIR, which a process
  // refused the directory must leave alone.
  const keys = await loadServiceKeys(config, logger);
  const { app, shared, context, reloader } = createService(config, {
    logger,
    lifecycle,
    sql,
    snapshot,
    ...keys,
  });
  await reloader.recordFileReads(reloading.fileReads, 'start');
  // Redis down at start-up is not fatal (calls fail fast, readiness says so):
  // this only spares the first requests a connection still being made.
  await shared.connected();
  lifecycle.add({
    name: 'http-app',
    close: () => {
      app.close();
    },
  });

  const tls = config.tls.enabled ? await loadTls(config, logger) : undefined;
  const server = await startServer(app.handler, {
    host: config.http.host,
    port: config.http.port,
    tls,
    redirectPort: config.tls.redirectPort,
    ...socketLimits(config),
    logger,
  });
  lifecycle.add({
    name: 'http-server',
    // The drain delay and the grace, and a moment for the connections cut after it.
    closeTimeoutMs: config.shutdown.drainDelayMs + config.shutdown.graceMs + HTTP_CUT_MS,
    close: async () => {
      // Readiness is already 503 (the lifecycle is stopping); give the load
      // balancer time to notice before refusing connections.
      if (config.shutdown.drainDelayMs > 0) await delay(config.shutdown.drainDelayMs);
      // New responses say `Connection: close`, so kept-alive clients leave.
      app.startDraining();
      await server.close(config.shutdown.graceMs);
    },
  });
  // With GRPC_PORT: the same services over gRPC; closed before the HTTP server.
  await startGrpc(config, context, { logger, lifecycle });
  lifecycle.markReady();
  reloading.reload.arm(reloader, reloading.argv);
  logger.info(
    {
      url: server.url,
      redirectUrl: server.redirectUrl,
      env: config.nodeEnv,
      readyMs: Math.round(performance.now()),
    },
    `Throughline listening on ${server.url} (API reference: ${server.url}/docs)`,
  );
  saveCompileCache();
}

/**
 * Both results, once both have settled: when one fails, the other is still
 * waited for, so that whatever it opened is registered for shutdown before
 * the start-up failure closes everything.
 */
async function allSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
  return [first.value, second.value];
}

async function loadTls(config: Config, logger: Logger) {
  if (config.tls.certFile !== undefined && config.tls.keyFile !== undefined) {
    return {
      cert: await readFile(config.tls.certFile, 'utf8'),
      key: await readFile(config.tls.keyFile, 'utf8'),
    };
  }
  const dir = join(resolve(config.dataDir), 'tls');
  const generated = await ensureDevCertificate(dir);
  logger.warn(
    { dir, created: generated.created },
    'TLS enabled without TLS_CERT_FILE/TLS_KEY_FILE: using a self-signed development certificate',
  );
  return { cert: generated.cert, key: generated.key };
}

await main();
