// Rebuilding the search documents from the database (`npm run reindex`,
// scripts/reindex.ts): after a change of analyzer or field weights, a new
// engine, or an index that drifted. Products are taken in id order, a batch
// at a time (a keyset: `id > last`), and after each batch the run records the
// last id done (migrations/0019_search_rebuilds.sql), so an interrupted run
// resumed with `--resume` carries on from there and redoes no batch.
//
// - An engine with its own copy (SearchEngine.index) gets the batches through
//   `index.rebuild`, which fills a fresh copy while searches read the old one
//   and swaps it in at the end. Writes that landed while it ran are then
//   caught up from the outbox: every product event recorded since the run
//   started (less a margin for transactions that were open then) is applied
//   again (indexing.ts), which is a no-op for what the copy already has.
// - The PostgreSQL engine's documents are the products' own `search` column
//   and the `search_terms` vocabulary, written by a trigger
//   (migrations/0018_search.sql). Each batch re-runs that trigger with a
//   no-op update of the batch's rows (`set title = title`: the version and
//   updated_at stay) in a transaction of its own that also records the
//   checkpoint, so a new trigger function — a changed analyzer or weighting —
//   reaches every row while locking only one batch of rows at a time.

import { sql as raw, type Kysely } from 'kysely';
import type { SearchEngine, SearchIndex } from '../../ports/search.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventData } from '../events/outbox.ts';
import { documentsAfter } from './documents.ts';
import { syncSearchDocuments } from './indexing.ts';
import type { SearchDatabase } from './tables.ts';

/**
 * How far before the run's start the catch-up looks: a write whose
 * transaction began before the run (its event carries that time) can
 * commit after the batch that read its row.
 */
const CATCH_UP_MARGIN_MS = 10 * 60_000;

export interface ReindexProgress {
  /** The run's id (search_rebuilds). */
  readonly run: string;
  /** Products done in this run, batches done before a resume included. */
  readonly indexed: number;
  /** `indexed` plus the products still to do when this invocation started. */
  readonly total: number;
  readonly lastId: string;
  /** The batch just done. */
  readonly batch: { readonly firstId: string; readonly lastId: string; readonly count: number };
  /** This invocation's rate, products per second, and the time it needs for the rest. */
  readonly ratePerSecond: number;
  readonly etaMs: number | undefined;
}

export interface ReindexOptions {
  readonly batchSize: number;
  /** Carry on the engine's latest unfinished run from its checkpoint (a new run if there is none). */
  readonly resume?: boolean;
  /** Stops between batches; the checkpoint of the last batch done stays. */
  readonly signal?: AbortSignal;
  /**
   * Called after each batch is checkpointed; a promise it returns is awaited
   * before the next batch is read (a caller can act between batches).
   */
  readonly onProgress?: (progress: ReindexProgress) => void | Promise<void>;
}

export interface ReindexResult {
  readonly run: string;
  readonly indexed: number;
  readonly total: number;
  /** The checkpoint this invocation started after; undefined for a run from the start. */
  readonly resumedAfter: string | undefined;
  /** Products applied again from the outbox after the swap (engines with an index). */
  readonly caughtUp: number;
}

interface Run {
  readonly id: string;
  readonly indexed: number;
  readonly lastId: string | undefined;
  readonly startedAt: Date;
  readonly resumed: boolean;
}

type Sql = SqlDatabase<SearchDatabase>;

async function openRun(sql: Sql, engine: string, batchSize: number, resume: boolean) {
  if (resume) {
    const open = await sql.db
      .selectFrom('search_rebuilds')
      .select(['id', 'indexed', 'last_id', 'started_at'])
      .where('engine', '=', engine)
      .where('finished_at', 'is', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (open !== undefined) {
      return {
        id: open.id,
        indexed: Number(open.indexed),
        lastId: open.last_id ?? undefined,
        startedAt: open.started_at,
        resumed: true,
      } satisfies Run;
    }
  }
  const created = await sql.db
    .insertInto('search_rebuilds')
    .values({ engine, batch_size: batchSize })
    .returning(['id', 'started_at'])
    .executeTakeFirstOrThrow();
  return {
    id: created.id,
    indexed: 0,
    lastId: undefined,
    startedAt: created.started_at,
    resumed: false,
  } satisfies Run;
}

async function remaining(sql: Sql, after: string | undefined): Promise<number> {
  let query = sql.db.selectFrom('products').select(raw<number>`count(*)::int`.as('n'));
  if (after !== undefined) query = query.where('id', '>', after);
  return (await query.executeTakeFirstOrThrow()).n;
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Rebuilds `engine`'s documents from the products table, in batches, resumably. */
export async function reindexSearch(
  sql: Sql,
  engine: SearchEngine,
  options: ReindexOptions,
): Promise<ReindexResult> {
  const { batchSize, signal } = options;
  const run = await openRun(sql, engine.name, batchSize, options.resume === true);
  const total = run.indexed + (await remaining(sql, run.lastId));
  const started = performance.now();
  let indexed = run.indexed;

  const report = (batch: ReindexProgress['batch']): void | Promise<void> => {
    indexed += batch.count;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? (indexed - run.indexed) / seconds : 0;
    const left = Math.max(0, total - indexed);
    return options.onProgress?.({
      run: run.id,
      indexed,
      total: Math.max(total, indexed),
      lastId: batch.lastId,
      batch,
      ratePerSecond: rate,
      etaMs: rate > 0 ? (left / rate) * 1000 : undefined,
    });
  };

  let caughtUp = 0;
  if (engine.index === undefined) {
    await refreshInPlace(sql, run, batchSize, signal, report, () => indexed);
  } else {
    await rebuildCopy(sql, engine.index, run, batchSize, signal, report, () => indexed);
    caughtUp = await catchUp(sql, engine.index, run.startedAt, batchSize);
  }
  await sql.db
    .updateTable('search_rebuilds')
    .set({ finished_at: raw<Date>`now()`, checkpoint_at: raw<Date>`now()` })
    .where('id', '=', run.id)
    .execute();
  return {
    run: run.id,
    indexed,
    total: Math.max(total, indexed),
    resumedAfter: run.resumed ? run.lastId : undefined,
    caughtUp,
  };
}

/** Records how far `run` got: where a resumed run carries on. */
async function saveCheckpoint(
  db: Kysely<SearchDatabase>,
  run: Run,
  indexed: number,
  lastId: string,
): Promise<void> {
  await db
    .updateTable('search_rebuilds')
    .set({ indexed, last_id: lastId, checkpoint_at: raw<Date>`now()` })
    .where('id', '=', run.id)
    .execute();
}

/** The PostgreSQL engine: re-runs the search trigger over each batch, checkpointing in the same transaction. */
async function refreshInPlace(
  sql: Sql,
  run: Run,
  batchSize: number,
  signal: AbortSignal | undefined,
  report: (batch: ReindexProgress['batch']) => void | Promise<void>,
  indexedSoFar: () => number,
): Promise<void> {
  let after = run.lastId;
  for (;;) {
    signal?.throwIfAborted();
    const from = after;
    const ids = await sql.withTransaction(async (trx) => {
      const keyset = from === undefined ? raw`true` : raw`id > ${from}::bigint`;
      const { rows } = await raw<{ id: string }>`
        with batch as (
          select id from products where ${keyset} order by id limit ${batchSize} for update
        )
        update products p set title = p.title from batch where p.id = batch.id
        returning p.id::text as id`.execute(trx);
      const done = rows.map((row) => row.id).sort(compareIds);
      const last = done.at(-1);
      if (last !== undefined) await saveCheckpoint(trx, run, indexedSoFar() + done.length, last);
      return done;
    });
    const first = ids[0];
    const last = ids.at(-1);
    if (first === undefined || last === undefined) return;
    await report({ firstId: first, lastId: last, count: ids.length });
    after = last;
  }
}

/** An engine with its own copy: batches into `index.rebuild`, each checkpointed once the index has it. */
async function rebuildCopy(
  sql: Sql,
  index: SearchIndex,
  run: Run,
  batchSize: number,
  signal: AbortSignal | undefined,
  report: (batch: ReindexProgress['batch']) => void | Promise<void>,
  indexedSoFar: () => number,
): Promise<void> {
  // Batches handed to the index and not yet acknowledged, by their last id.
  const handedOut = new Map<string, ReindexProgress['batch']>();
  let checkpoints: Promise<void> = Promise.resolve();

  const checkpoint = async (batch: ReindexProgress['batch']) => {
    await saveCheckpoint(sql.db, run, indexedSoFar() + batch.count, batch.lastId);
    await report(batch);
  };

  async function* batches() {
    let after = run.lastId;
    for (;;) {
      // The previous batch's checkpoint is written before the next is read.
      await checkpoints;
      signal?.throwIfAborted();
      const documents = await documentsAfter(sql.db, after, batchSize);
      const first = documents[0];
      const last = documents.at(-1);
      if (first === undefined || last === undefined) return;
      handedOut.set(last.id, { firstId: first.id, lastId: last.id, count: documents.length });
      after = last.id;
      yield documents;
    }
  }

  await index.rebuild(batches(), {
    resume: run.resumed,
    onProgress: ({ lastId }) => {
      const batch = handedOut.get(lastId);
      if (batch === undefined) return;
      handedOut.delete(lastId);
      checkpoints = checkpoints.then(() => checkpoint(batch));
    },
  });
  await checkpoints;
}

/** Applies every product event recorded since the run started again; resolves with how many products. */
async function catchUp(
  sql: Sql,
  index: SearchIndex,
  startedAt: Date,
  batchSize: number,
): Promise<number> {
  const since = new Date(startedAt.getTime() - CATCH_UP_MARGIN_MS);
  const events = await sql.db
    .selectFrom('outbox')
    .select(['type', 'payload'])
    .where('type', 'in', [
      'product.created',
      'product.updated',
      'product.deleted',
      'product.stock_changed',
    ])
    .where('occurred_at', '>=', since)
    .execute();
  const ids = new Set<string>();
  for (const { type, payload } of events) {
    if (type === 'product.stock_changed') {
      for (const product of (payload as EventData['product.stock_changed']).products) {
        ids.add(product.productId);
      }
    } else {
      ids.add((payload as EventData['product.updated']).productId);
    }
  }
  const all = [...ids];
  for (let start = 0; start < all.length; start += batchSize) {
    await syncSearchDocuments(sql.db, index, all.slice(start, start + batchSize));
  }
  return all.length;
}
