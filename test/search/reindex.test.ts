// The search rebuild (src/modules/search/rebuild.ts) on both databases, with
// both kinds of engine: the PostgreSQL engine, whose documents the rebuild
// rewrites in place through their trigger, and a recording fake index in
// place of an engine with its own copy. Each gets a full run with a progress
// report per batch, and a run interrupted after two batches and resumed from
// its checkpoint, which must finish the rest without redoing a batch. Then
// scripts/reindex.ts as operators run it on the embedded database: progress
// lines, and a refusal while another process owns the data directory.

import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { sql as raw } from 'kysely';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresSearch } from '../../src/adapters/search/postgres.ts';
import { recordEvent } from '../../src/modules/events/outbox.ts';
import {
  reindexSearch,
  type ReindexProgress,
  type ReindexResult,
} from '../../src/modules/search/rebuild.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { pgliteTemplate } from '../support/database.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { runScript as runScriptFile } from '../support/process.ts';
import { recordingSearchEngine } from '../support/recording-search-index.ts';

const BATCH = 50;

/** Runs a rebuild; with `stopAfter`, aborts it once that many batches are done. */
async function rebuild(
  sql: SqlDatabase<Database>,
  engine: Parameters<typeof reindexSearch>[1],
  options: {
    resume?: boolean;
    stopAfter?: number;
    onBatch?: (p: ReindexProgress) => Promise<void>;
  },
): Promise<{ progress: ReindexProgress[]; result: ReindexResult | undefined; error?: unknown }> {
  const progress: ReindexProgress[] = [];
  const controller = new AbortController();
  try {
    const result = await reindexSearch(sql, engine, {
      batchSize: BATCH,
      resume: options.resume,
      signal: controller.signal,
      // Awaited by the rebuild before its next batch: what onBatch writes
      // lands while the run is still going, however slow the machine.
      onProgress: async (p) => {
        progress.push(p);
        if (progress.length === options.stopAfter) controller.abort();
        await options.onBatch?.(p);
      },
    });
    return { progress, result };
  } catch (error) {
    return { progress, result: undefined, error };
  }
}

const byId = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

function assertOrderedBatches(progress: readonly ReindexProgress[], after: string | undefined) {
  let previous = after;
  for (const { batch } of progress) {
    if (previous !== undefined)
      assert.ok(byId(batch.firstId, previous) > 0, `${batch.firstId} after ${previous}`);
    previous = batch.lastId;
  }
}

for (const engine of ENGINES) {
  describe(`search rebuild on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let sql: SqlDatabase<Database>;
    let ids: string[];

    before(async () => {
      database = await engine.open();
      sql = database.sql;
      const rows = await sql.db.selectFrom('products').select('id').execute();
      ids = rows.map((row) => row.id).sort(byId);
    });

    after(async () => {
      await database.close();
    });

    /** Empties every product's search document, as a changed analyzer would leave them outdated. */
    const blank = () => raw`update products set search = ''::tsvector`.execute(sql.db);
    const emptyDocuments = async () =>
      (
        await raw<{
          id: string;
        }>`select id::text as id from products where search = ''::tsvector`.execute(sql.db)
      ).rows
        .map((row) => row.id)
        .sort(byId);
    const rowVersions = async () =>
      (
        await raw<{ id: string; xmin: string; version: number; updated_at: Date }>`
          select id::text as id, xmin::text as xmin, version, updated_at from products order by id`.execute(
          sql.db,
        )
      ).rows;

    test('the PostgreSQL engine: every document rewritten in batches, versions untouched', async () => {
      await blank();
      const before = await rowVersions();
      const { progress, result } = await rebuild(sql, createPostgresSearch(sql), {});
      assert.ok(result !== undefined);
      assert.equal(result.indexed, ids.length);
      assert.equal(progress.length, Math.ceil(ids.length / BATCH));
      assert.deepEqual(
        progress.map((p) => p.indexed),
        progress.map((_, i) => Math.min((i + 1) * BATCH, ids.length)),
      );
      assert.ok(progress.every((p) => p.total === ids.length));
      assert.equal(progress.at(-1)!.etaMs, 0);
      assertOrderedBatches(progress, undefined);
      assert.deepEqual(await emptyDocuments(), []);
      const afterwards = await rowVersions();
      assert.deepEqual(
        afterwards.map(({ id, version, updated_at }) => ({ id, version, updated_at })),
        before.map(({ id, version, updated_at }) => ({ id, version, updated_at })),
      );
      const finished = await sql.db
        .selectFrom('search_rebuilds')
        .select(['finished_at', 'indexed', 'last_id'])
        .where('id', '=', result.run)
        .executeTakeFirstOrThrow();
      assert.ok(finished.finished_at !== null);
      assert.equal(Number(finished.indexed), ids.length);
      assert.equal(finished.last_id, ids.at(-1));
    });

    test('the PostgreSQL engine: interrupted after two batches, resumed from the checkpoint', async () => {
      await blank();
      const search = createPostgresSearch(sql);
      const first = await rebuild(sql, search, { stopAfter: 2 });
      assert.equal(first.result, undefined);
      assert.equal((first.error as Error).name, 'AbortError');
      const checkpoint = ids[2 * BATCH - 1]!;
      const run = await sql.db
        .selectFrom('search_rebuilds')
        .select(['id', 'last_id', 'indexed', 'finished_at'])
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        { lastId: run.last_id, indexed: Number(run.indexed), finished: run.finished_at },
        { lastId: checkpoint, indexed: 2 * BATCH, finished: null },
      );
      assert.deepEqual(await emptyDocuments(), ids.slice(2 * BATCH));
      const done = new Map((await rowVersions()).map((row) => [row.id, row.xmin]));

      const second = await rebuild(sql, search, { resume: true });
      assert.ok(second.result !== undefined, String(second.error));
      assert.equal(second.result.run, run.id);
      assert.equal(second.result.resumedAfter, checkpoint);
      assert.equal(second.result.indexed, ids.length);
      assert.equal(second.progress[0]!.batch.firstId, ids[2 * BATCH]);
      assertOrderedBatches(second.progress, checkpoint);
      assert.deepEqual(await emptyDocuments(), []);
      // The rows of the first two batches were not written again.
      for (const row of await rowVersions()) {
        if (byId(row.id, checkpoint) <= 0) assert.equal(row.xmin, done.get(row.id), row.id);
      }
    });

    test('an engine with its own copy: rebuilt, interrupted, resumed, and caught up with writes made meanwhile', async () => {
      const recording = recordingSearchEngine(createPostgresSearch(sql));
      const { index } = recording;
      const full = await rebuild(sql, recording, {});
      assert.ok(full.result !== undefined, String(full.error));
      assert.equal(index.documents.size, ids.length);
      assert.equal(full.progress.length, Math.ceil(ids.length / BATCH));
      assert.deepEqual(index.rebuildBatches[0]!.flat(), ids);

      // Interrupted after two batches: the searched copy is still the old one.
      const previous = index.documents;
      const first = await rebuild(sql, recording, { stopAfter: 2 });
      assert.equal(first.result, undefined);
      assert.equal(index.documents, previous);
      const checkpoint = ids[2 * BATCH - 1]!;

      // While the resumed run works, a product it already passed is renamed.
      const renamed = ids[0]!;
      const second = await rebuild(sql, recording, {
        resume: true,
        onBatch: async (p) => {
          if (p.indexed !== 3 * BATCH) return;
          await sql.withTransaction(async (trx) => {
            const row = await trx
              .updateTable('products')
              .set((eb) => ({ title: 'Renamed Mid Rebuild', version: eb('version', '+', 1) }))
              .where('id', '=', renamed)
              .returning(['version'])
              .executeTakeFirstOrThrow();
            await recordEvent(trx, {
              type: 'product.updated',
              aggregateId: renamed,
              data: { productId: renamed, version: row.version },
            });
          });
        },
      });
      assert.ok(second.result !== undefined, String(second.error));
      assert.equal(second.result.resumedAfter, checkpoint);
      const resumedBatches = index.rebuildBatches.at(-1)!;
      assert.ok(resumedBatches.flat().every((id) => byId(id, checkpoint) > 0));
      assert.deepEqual(resumedBatches.flat(), ids.slice(2 * BATCH));
      assert.deepEqual([...index.documents.keys()].sort(byId), ids);
      assert.ok(second.result.caughtUp >= 1);
      assert.equal(index.documents.get(renamed)?.title, 'Renamed Mid Rebuild');
    });
  });
}

const SCRIPT = fileURLToPath(new URL('../../scripts/reindex.ts', import.meta.url));

const runScript = (args: readonly string[], env: Record<string, string>) =>
  runScriptFile(SCRIPT, args, env);

describe('scripts/reindex.ts on the embedded database', { timeout: 300_000 }, () => {
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'reindex-script-'));
    await cp(await pgliteTemplate(true), join(dataDir, 'pglite'), { recursive: true });
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('rebuilds in batches, printing progress', async () => {
    const run = await runScript(['--batch-size', '60'], { DATA_DIR: dataDir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /engine: postgres\n/);
    const lines = run.stdout.split('\n').filter((line) => line.startsWith('indexed '));
    assert.equal(lines.length, 4, run.stdout);
    assert.match(lines[0]!, /^indexed 60\/200 \(30\.0%\), \d+\/s, ETA \S+, last id \d+$/);
    assert.match(lines.at(-1)!, /^indexed 200\/200 \(100\.0%\), \d+\/s, ETA 0s, last id \d+$/);
    assert.match(run.stdout, /done: 200 products in \S+ \(run \d+\)/);
  });

  test('refuses a bad batch size', async () => {
    const run = await runScript(['--batch-size', '0'], { DATA_DIR: dataDir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--batch-size must be a whole number from 1 to 10000/);
  });

  test('refuses while another process owns the data directory', async () => {
    const owner = await createPgliteDatabase({ dataDir: join(dataDir, 'pglite') });
    try {
      const run = await runScript([], { DATA_DIR: dataDir });
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`pid ${process.pid} owns .*admits one process`));
    } finally {
      await owner.close();
    }
  });
});
