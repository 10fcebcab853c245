// The kept facet counts (migrations/0020_search_facet_cells.sql) on both
// engines: after every kind of product write — inserts, a price moved across
// a bucket, stock to zero and back, a category change, deletes — the cells
// add up to what counting the products gives, and a listing's facets read
// from them equal the facets of the same listing counted from products.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createPostgresSearch } from '../../src/adapters/search/postgres.ts';
import { PRICE_BUCKET_EDGES, type SearchFacets } from '../../src/ports/search.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';

interface Cell {
  category_id: string;
  brand_id: string;
  bucket: number;
  in_stock: boolean;
  n: number;
}

const cellOrder = sql`order by category_id, brand_id, bucket, in_stock`;

for (const engine of ENGINES) {
  describe(`search facet cells on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    before(async () => {
      database = await engine.open();
    });
    after(async () => {
      await database.close();
    });

    const kept = async () =>
      (
        await sql<Cell>`select category_id::text, brand_id::text, bucket, in_stock, n
          from search_facet_cells where n <> 0 ${cellOrder}`.execute(database.sql.db)
      ).rows;
    const counted = async () =>
      (
        await sql<Cell>`select category_id::text, brand_id::text,
            search_price_bucket(price_amount) as bucket, stock > 0 as in_stock, count(*)::int as n
          from products group by 1, 2, 3, 4 ${cellOrder}`.execute(database.sql.db)
      ).rows;

    it('numbers price buckets at the edges the port names', async () => {
      for (const [index, edge] of PRICE_BUCKET_EDGES.entries()) {
        const { rows } = await sql<{ at: number; below: number }>`
          select search_price_bucket(${edge}) as at, search_price_bucket(${edge - 1}) as below`.execute(
          database.sql.db,
        );
        assert.equal(rows[0]?.at, index + 1, `edge ${edge}`);
        if (edge > 0) assert.equal(rows[0]?.below, index, `below edge ${edge}`);
      }
    });

    it('stay equal to counting the products through every kind of write', async () => {
      assert.deepEqual(await kept(), await counted());
      const db = database.sql.db;
      const { rows: made } = await sql<{ id: string }>`
        insert into products (sku, title, brand_id, category_id, price_amount, currency, stock)
        select 'CELLS-' || i, 'Cells product ' || i,
               (select min(id) from brands), (select min(id) from categories),
               i * 1500, 'EUR', i % 3
        from generate_series(1, 12) as i
        returning id::text`.execute(db);
      assert.deepEqual(await kept(), await counted());
      const [a, b, c, d] = made.map((row) => row.id);
      await sql`update products set price_amount = 30000 where id = ${a}`.execute(db);
      await sql`update products set stock = 0 where id in (${b}, ${c})`.execute(db);
      await sql`update products set stock = 5 where id = ${b}`.execute(db);
      await sql`update products set stock = stock + 1 where id = ${d}`.execute(db);
      await sql`update products set category_id = (select max(id) from categories) where id = ${c}`.execute(
        db,
      );
      assert.deepEqual(await kept(), await counted());
      await database.sql.withTransaction(async (trx) => {
        await sql`update products set title = title || '!' where sku like 'CELLS-%'`.execute(trx);
        await sql`delete from products where id in (${a}, ${d})`.execute(trx);
      });
      assert.deepEqual(await kept(), await counted());
      await sql`delete from products where sku like 'CELLS-%'`.execute(db);
      assert.deepEqual(await kept(), await counted());
    });

    it('give a listing the facets that counting its products gives', async () => {
      const search = createPostgresSearch(database.sql);
      const { rows } = await sql<{ slug: string }>`
        select c.slug from categories c join products p on p.category_id = c.id
        group by c.slug order by count(*) desc limit 1`.execute(database.sql.db);
      const category = rows[0]!.slug;
      const facets = async (filters: object, counted: boolean): Promise<SearchFacets> =>
        (
          await search.search({
            // A price range of everything takes the counting path, with the same result set.
            filters: counted ? { ...filters, minPrice: 0 } : filters,
            limit: 5,
          })
        ).facets;
      for (const filters of [{}, { inStock: true }, { category }, { category, inStock: true }]) {
        assert.deepEqual(
          await facets(filters, false),
          await facets(filters, true),
          JSON.stringify(filters),
        );
      }
    });
  });
}
