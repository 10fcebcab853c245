// Writes the service's OpenAPI document to a file (or stdout) without opening
// a port or a database: the real composition (createService) is built with
// the workers off, and the document is generated from its routes exactly as
// /openapi.json would serve it. `npm run lint:openapi` lints what this writes.
//
//   node scripts/openapi-document.ts [out.json]

// First: the schemas built by everything below are compiled (see the file).
import '../src/platform/compiled-validation.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostgresDatabase } from '../src/adapters/sql/postgres.ts';
import { createService, loadServiceKeys } from '../src/wiring/app.ts';
import type { Database } from '../src/wiring/tables.ts';
import { loadConfig } from '../src/platform/config.ts';
import { Lifecycle } from '../src/platform/lifecycle.ts';
import { createLogger } from '../src/platform/logger.ts';

/** The document as the service with the default configuration serves it. */
export async function serviceDocument(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-openapi-'));
  const logger = createLogger({ level: 'silent' });
  const lifecycle = new Lifecycle(logger);
  // The PostgreSQL adapter connects on its first query, and building the
  // routes and the document queries nothing: this address is never dialled.
  const sql = createPostgresDatabase<Database>({ url: 'postgres://openapi@127.0.0.1:9/none' });
  try {
    const config = loadConfig({
      argv: [],
      env: { DATA_DIR: dataDir, NODE_ENV: 'test', WORKERS: 'off' },
    });
    const keys = await loadServiceKeys(config, logger);
    const { app, openapi } = createService(config, { logger, lifecycle, sql, ...keys });
    app.close();
    return openapi();
  } finally {
    await lifecycle.stop('document written');
    await sql.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const text = `${JSON.stringify(await serviceDocument(), null, 2)}\n`;
  const out = process.argv[2];
  if (out === undefined) process.stdout.write(text);
  else await writeFile(out, text);
}
