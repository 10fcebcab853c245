// Every request of `npm run bench:search` reads products and the vocabulary
// through indexes: the statements the search adapter runs (its own
// builders, so a change to its SQL is checked here) explained on PGlite over
// the small test catalog.
//
// With 200 products PostgreSQL rightly prefers reading the whole table, so
// the planner is pushed: sequential scans off everywhere, and for the
// statement of a text search plain index scans off too (a full scan of any
// B-tree would otherwise stand in for the sequential one). What is left is
// a scan with an index condition, or a sequential scan where no index can
// answer the condition — the regression this test catches: a condition
// written so that the full-text GIN (products.search), the trigram GiST or
// the key of `search_terms` can no longer serve it. At 100,000 products on
// PostgreSQL the planner makes the same choices unprompted (the plans are
// in docs/performance.md, and `npm run bench:search` prints them).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { describeScans, explainStatement, requestStatements, type Scan } from './explain.ts';
import { SHAPES, describeRequest, type BenchRequest } from './queries.ts';

let database: TestDatabase;

before(async () => {
  database = await openTestDatabase();
  // Statistics, as autovacuum would have them.
  await sql`analyze`.execute(database.sql.db);
  await sql`set enable_seqscan = off`.execute(database.sql.db);
});

after(async () => {
  await database.close();
});

const hasText = (request: BenchRequest): boolean =>
  request.kind === 'suggest' || (request.query.text ?? '').trim() !== '';

const filtered = (request: BenchRequest): boolean =>
  request.kind === 'search' &&
  Object.values(request.query.filters ?? {}).some((value) => value !== undefined);

/**
 * A listing without a price range takes its facets from the kept counts
 * (search_facet_cells, migrations/0020) instead of counting products.
 */
const countsFromCells = (request: BenchRequest): boolean => {
  if (request.kind !== 'search' || hasText(request)) return false;
  const { minPrice, maxPrice } = request.query.filters ?? {};
  return minPrice === undefined && maxPrice === undefined;
};

const fullScan = (scan: Scan): boolean =>
  scan.node === 'Seq Scan' && (scan.table === 'products' || scan.table === 'search_terms');

for (const shape of SHAPES) {
  test(`${shape.id}: products and the vocabulary are read through indexes`, async () => {
    const db = database.sql.db;
    for (const request of shape.requests) {
      for (const { name, statement } of await requestStatements(db, request)) {
        const narrowed = name === 'search';
        if (narrowed) await sql`set enable_indexscan = off`.execute(db);
        const plan = await explainStatement(db, statement, name).finally(async () => {
          if (narrowed) await sql`reset enable_indexscan`.execute(db);
        });
        const where = `${describeRequest(request)}, ${name}: ${describeScans(plan.scans)}`;
        const on = (table: string): Scan[] => plan.scans.filter((scan) => scan.table === table);
        assert.ok(!plan.scans.some(fullScan), `a sequential scan — ${where}`);
        if (name === 'facets' && countsFromCells(request)) {
          assert.ok(
            on('search_facet_cells').length > 0,
            `counts not read from the cells — ${where}`,
          );
          assert.equal(on('products').length, 0, `products counted — ${where}`);
          continue;
        }
        if (name === 'corrections') {
          assert.ok(
            on('search_terms').some((scan) => scan.index === 'search_terms_trgm_idx'),
            `misspellings not looked up by the trigram index — ${where}`,
          );
          continue;
        }
        assert.ok(on('products').length > 0, `products not read — ${where}`);
        if (hasText(request) && !filtered(request)) {
          assert.ok(
            on('products').some((scan) => scan.index === 'products_search_idx'),
            `text not matched through the full-text index — ${where}`,
          );
        }
        if (narrowed) {
          // With a filter the planner may read products by it instead (the
          // category's price index, the brand's index): fine, if searched.
          assert.ok(
            on('products').every((scan) => scan.index === undefined || scan.searched),
            `an index read end to end — ${where}`,
          );
        }
        if (name === 'suggest') {
          assert.ok(
            on('search_terms').some((scan) => scan.index !== undefined),
            `completions not read from an index of the vocabulary — ${where}`,
          );
        }
      }
    }
  });
}
