// The database engine, decided from config: PostgreSQL when DATABASE_URL is
// set, otherwise embedded PGlite under DATA_DIR. Apart from engines.ts, and
// importing its adapter only once the choice is made, so that opening the
// database — seconds of WebAssembly at worst — can start before the rest of
// the service has loaded, and neither engine loads the other's code. A new
// embedded database is copied from a template when there is one
// (adapters/sql/pglite-template.ts, "Start-up time" in docs/operations.md).

import { join } from 'node:path';
import type { PgliteTemplate, TemplateUse } from '../adapters/sql/pglite-template.ts';
import type { Database } from './tables.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { userCacheDir } from '../platform/cache-dir.ts';
import { redactDatabaseUrl } from '../platform/sql/database-url.ts';
import { querySpans } from '../platform/tracing/sql-spans.ts';
import type { SqlDatabase } from '../ports/sql.ts';

export interface OpenedDatabase {
  readonly sql: SqlDatabase<Database>;
  /** Where the data lives, safe to log (no credentials). */
  readonly target: string;
  /** The embedded engine's consistent copy of itself (backups); absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
  /** True when this start created the database by copying a template. */
  readonly fromTemplate?: boolean;
  /**
   * Present when this start created the database in place for want of a
   * template: saves it as the template. Call it once the database holds what
   * the template's `contents` say, before anything else uses it.
   */
  readonly saveTemplate?: () => Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * What this start does to a new database before using it (the migrations'
   * fingerprint, and the demo data's: database.ts). Given, the embedded
   * engine copies a new data directory from the template of that name
   * (adapters/sql/pglite-template.ts), or offers to save one.
   */
  readonly template?: { readonly contents: string };
}

/** The embedded database's directory under DATA_DIR. */
export function pgliteDataDir(config: Config): string {
  return join(config.dataDir, 'pglite');
}

/**
 * PostgreSQL's own log lines from the embedded engine. A failed statement's
 * ERROR line is debug: its caller gets the error and decides what it means
 * (a unique violation is a 409, not a problem).
 */
function engineLogger(logger: Logger): (line: string) => void {
  return (line) => {
    if (/\b(FATAL|PANIC):/.test(line)) logger.error({ engine: 'pglite' }, line);
    else if (/\bWARNING:/.test(line)) logger.warn({ engine: 'pglite' }, line);
    else logger.debug({ engine: 'pglite' }, line);
  };
}

/** The template for a new embedded database, when templates apply. */
function templateFor(
  config: Config,
  logger: Logger,
  contents: string | undefined,
): PgliteTemplate | undefined {
  if (contents === undefined || !config.database.pgliteTemplates) return undefined;
  const cache = userCacheDir();
  const root = config.database.pgliteTemplateDir ?? (cache && join(cache, 'pglite-templates'));
  if (root === undefined) return undefined;
  return {
    root,
    contents,
    onUnavailable: (error) => {
      logger.warn({ err: error, templateDir: root }, 'database template unavailable');
    },
  };
}

export async function openDatabase(
  config: Config,
  logger: Logger,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  const database = config.database;
  if (database.url !== undefined) {
    const { createPostgresDatabase } = await import('../adapters/sql/postgres.ts');
    const sql = createPostgresDatabase<Database>({
      url: database.url,
      poolSize: database.poolSize,
      acquireTimeoutMs: database.acquireTimeoutMs,
      idleTimeoutMs: database.idleTimeoutMs,
      maxLifetimeSeconds: database.maxLifetimeSeconds,
      statementTimeoutMs: database.statementTimeoutMs,
      namedStatements: database.namedStatements,
      slowQueryMs: config.log.slowQueryMs,
      replicaUrls: database.replicaUrls,
      logger,
      queryLog: querySpans,
    });
    return { sql, target: redactDatabaseUrl(database.url) };
  }
  const { createPgliteDatabase } = await import('../adapters/sql/pglite.ts');
  const dataDir = pgliteDataDir(config);
  const template = templateFor(config, logger, options.template?.contents);
  const templates = template && (await import('../adapters/sql/pglite-template.ts'));
  let use: TemplateUse | undefined;
  const started = performance.now();
  const sql = await createPgliteDatabase<Database>({
    dataDir,
    onEngineLog: engineLogger(logger),
    sharedBuffersMb: database.pgliteSharedBuffersMb,
    slowQueries: { thresholdMs: config.log.slowQueryMs, logger },
    queryLog: querySpans,
    prepareDirectory:
      template &&
      (async (directory) => {
        use = await templates!.fillFromTemplate(directory, template);
        if (use === 'copied') {
          const ms = Math.round(performance.now() - started);
          logger.info({ templateDir: template.root, ms }, 'new database copied from template');
        }
      }),
  });
  const saveTemplate =
    use === 'absent'
      ? async () => {
          const saving = performance.now();
          if (await templates!.saveTemplate(sql, template!)) {
            const ms = Math.round(performance.now() - saving);
            logger.info({ templateDir: template!.root, ms }, 'database template saved');
          }
        }
      : undefined;
  return {
    sql,
    target: `pglite ${dataDir}`,
    snapshot: () => sql.snapshot(),
    fromTemplate: use === 'copied',
    saveTemplate,
  };
}
