// Rebuilds the search documents from the database (src/modules/search/rebuild.ts).
//
//   npm run reindex                          a new run, 500 products a batch
//   npm run reindex -- --batch-size 2000     bigger batches
//   npm run reindex -- --resume              carry on the last interrupted run
//
// Same configuration as the service (DATABASE_URL, DATA_DIR, …). With an
// engine that keeps its own copy, the copy is rebuilt beside the live one and
// swapped in; on the PostgreSQL engine the products' search documents and
// the vocabulary are rewritten by their trigger, one batch per transaction,
// so a changed analyzer or weighting is applied without a long lock and
// while the service runs. Every batch is checkpointed: Ctrl-C (or a crash)
// loses at most the batch in progress, and `--resume` starts after the last
// one done.
//
// The embedded database (PGlite, no DATABASE_URL) admits one process: while
// the service runs, it owns the data directory and this command is refused —
// stop the service, reindex, start it again. Pending migrations are refused
// too (the service applies them at start; `npm run migrate` does it now).
//
// Prints a progress line per batch (done/total, rate, time left); exits 1 on
// failure, 130 when interrupted.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pgliteLockPath } from '../src/adapters/sql/pglite.ts';
import { holdsDatabase } from '../src/adapters/sql/pglite-open-errors.ts';
import { reindexSearch, type ReindexProgress } from '../src/modules/search/rebuild.ts';
import { loadConfig } from '../src/platform/config.ts';
import { liveLockOwner } from '../src/platform/directory-lock.ts';
import { Lifecycle } from '../src/platform/lifecycle.ts';
import { createLogger } from '../src/platform/logger.ts';
import { ReadinessChecks } from '../src/modules/health/readiness.ts';
import { migrationStatus } from '../src/platform/sql/migrator.ts';
import { MIGRATIONS_DIR } from '../src/wiring/database.ts';
import { openSearchEngine } from '../src/wiring/engines.ts';
import { openDatabase, pgliteDataDir } from '../src/wiring/sql-engine.ts';

const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;

class Refused extends Error {}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function progressLine(progress: ReindexProgress): string {
  const percent = progress.total === 0 ? 100 : (progress.indexed / progress.total) * 100;
  const eta = progress.etaMs === undefined ? '?' : duration(progress.etaMs);
  return (
    `indexed ${progress.indexed}/${progress.total} (${percent.toFixed(1)}%), ` +
    `${Math.round(progress.ratePerSecond)}/s, ETA ${eta}, last id ${progress.lastId}\n`
  );
}

function options(argv: readonly string[]): { batchSize: number; resume: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'batch-size': { type: 'string' },
      resume: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const size = values['batch-size'] ?? String(DEFAULT_BATCH_SIZE);
  const batchSize = /^\d+$/.test(size) ? Number(size) : Number.NaN;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new Refused(`--batch-size must be a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  return { batchSize, resume: values.resume };
}

async function main(): Promise<number> {
  const { batchSize, resume } = options(process.argv.slice(2));
  const config = loadConfig({ argv: [], env: process.env });
  if (config.database.url === undefined) {
    const dataDir = pgliteDataDir(config);
    const owner = await liveLockOwner(pgliteLockPath(dataDir));
    if (owner !== undefined) {
      throw new Refused(
        `pid ${owner.pid} owns ${resolve(dataDir)}: the embedded database admits one process, ` +
          'so the search documents cannot be rebuilt beside the running service. Stop it, ' +
          'run the reindex, and start it again (search keeps answering from the current ' +
          'documents until then)',
      );
    }
    if (!(await holdsDatabase(dataDir))) {
      throw new Refused(`there is no embedded database in ${resolve(dataDir)}`);
    }
  }
  // Logs to stderr: stdout holds the progress.
  const logger = createLogger({
    level: process.env.LOG_LEVEL ?? 'warn',
    destination: process.stderr,
  });
  const { sql, target } = await openDatabase(config, logger);
  const lifecycle = new Lifecycle(logger);
  const controller = new AbortController();
  const interrupt = () => {
    controller.abort();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const pending = (await migrationStatus(sql, MIGRATIONS_DIR)).filter(
      (row) => row.state === 'pending',
    );
    if (pending.length > 0) {
      throw new Refused(
        `${pending.length} migration(s) not applied (${pending.map((row) => row.name).join(', ')}); ` +
          'run `npm run migrate` first',
      );
    }
    // The engine the service runs with; a script has no probes to report to.
    const engine = openSearchEngine(config, {
      sql,
      logger,
      lifecycle,
      readiness: new ReadinessChecks(() => 'ready'),
    });
    process.stdout.write(
      `database: ${target}\nengine: ${engine.name}${engine.index === undefined ? '' : ' (rebuilding its index)'}\n`,
    );
    const started = performance.now();
    const result = await reindexSearch(sql, engine, {
      batchSize,
      resume,
      signal: controller.signal,
      onProgress: (progress) => {
        process.stdout.write(progressLine(progress));
      },
    });
    if (result.resumedAfter !== undefined) {
      process.stdout.write(`resumed run ${result.run} after id ${result.resumedAfter}\n`);
    }
    if (result.caughtUp > 0) {
      process.stdout.write(`caught up ${result.caughtUp} product(s) written during the run\n`);
    }
    process.stdout.write(
      `done: ${result.indexed} products in ${duration(performance.now() - started)} (run ${result.run})\n`,
    );
    return 0;
  } catch (error) {
    if (controller.signal.aborted) {
      process.stderr.write(
        'interrupted; the batches done are kept: `npm run reindex -- --resume` carries on\n',
      );
      return 130;
    }
    throw error;
  } finally {
    await lifecycle.stop('reindex finished');
    await sql.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(
    `reindex failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
}
