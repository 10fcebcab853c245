// Production parses input with Zod's schema compiler (`zod/compile`, loaded
// first by the entry points: src/platform/compiled-validation.ts): a
// generated fast path per schema, falling back to the runtime parser where
// the compiler cannot follow. Clients must never see a difference. For
// every JSON request body the service declares, values generated from the
// served OpenAPI document — valid ones, and each mutated in the ways clients
// get bodies wrong — go through the runtime parser and the compiled one; the
// outcomes must be identical: success and the parsed value, or every issue
// (code, path, message and the rest) in the same order.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { toOpenApiPath } from '../../src/http/openapi/openapi.ts';
import type { RouteRecord } from '../../src/http/routing/route.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createService, loadServiceKeys } from '../../src/wiring/app.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { arbitraryFor } from '../contract/fuzz/schema-arbitrary.ts';
import type { JsonObject, OpenApiDocument } from '../support/contract/document.ts';

const SAMPLES_PER_SCHEMA = 60;
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

let routes: readonly RouteRecord[] = [];
let document: OpenApiDocument;
const logger = createLogger({ level: 'silent' });
const lifecycle = new Lifecycle(logger);
let dataDir = '';

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'throughline-compiled-'));
  // Building the routes queries nothing: this address is never dialled.
  const sql = createPostgresDatabase<Database>({ url: 'postgres://x@127.0.0.1:9/none' });
  lifecycle.add({ name: 'database', close: () => sql.close() });
  const config = loadConfig({
    argv: [],
    env: { DATA_DIR: dataDir, NODE_ENV: 'test', WORKERS: 'off' },
  });
  const keys = await loadServiceKeys(config, logger);
  const { app, openapi } = createService(config, { logger, lifecycle, sql, ...keys });
  app.close();
  routes = app.routes();
  document = openapi() as unknown as OpenApiDocument;
});

after(async () => {
  await lifecycle.stop('test finished');
  await rm(dataDir, { recursive: true, force: true });
});

/** What a parse says, in a form `deepEqual` compares completely. */
function outcome(result: z.ZodSafeParseResult<unknown>): unknown {
  return result.success
    ? { success: true, data: result.data }
    : { success: false, issues: result.error.issues };
}

/** The ways clients get a JSON body wrong, applied to a valid one. */
function mutations(valid: unknown): unknown[] {
  const out: unknown[] = [null, [], 'text', 0, true, {}];
  if (valid === null || typeof valid !== 'object' || Array.isArray(valid)) return out;
  const record = valid as Record<string, unknown>;
  out.push({ ...record, unexpected: 1 });
  for (const [key, value] of Object.entries(record)) {
    const { [key]: _dropped, ...without } = record;
    out.push(without);
    for (const wrong of [null, 12.5, -1, '', 'x\u0000y', 'a'.repeat(5000), [value], { value }]) {
      out.push({ ...record, [key]: wrong });
    }
  }
  return out;
}

function bodyCases(record: RouteRecord): unknown[] {
  const operation = document.paths[toOpenApiPath(record.pattern)]?.[record.method.toLowerCase()];
  const content = (operation?.requestBody as JsonObject | undefined)?.content as
    Record<string, { schema?: JsonObject }> | undefined;
  const schema = content?.['application/json']?.schema;
  if (schema === undefined) return [];
  const valid = fc.sample(arbitraryFor(document, schema), {
    numRuns: SAMPLES_PER_SCHEMA,
    seed: SEED,
  });
  return [...valid, ...valid.slice(0, 5).flatMap(mutations)];
}

test('the compiled parser answers every request body exactly as the runtime parser', () => {
  let schemas = 0;
  let values = 0;
  let refused = 0;
  for (const record of routes) {
    const runtime = record.options.schema?.body;
    if (runtime === undefined || record.method === 'HEAD') continue;
    const compiled = z.compile(runtime);
    schemas += 1;
    for (const value of bodyCases(record)) {
      values += 1;
      const expected = outcome(runtime.safeParse(value));
      if (!(expected as { success: boolean }).success) refused += 1;
      assert.deepEqual(
        outcome(compiled.safeParse(value)),
        expected,
        `${record.method} ${record.pattern} on ${JSON.stringify(value)?.slice(0, 300)}`,
      );
    }
  }
  // The comparison must have had something to compare, both ways.
  assert.ok(schemas >= 20, `only ${schemas} body schemas found`);
  assert.ok(refused > values / 10 && refused < values, `${refused} of ${values} refused`);
});
