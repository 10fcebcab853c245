// The PostgreSQL search adapter against the SearchEngine contract, on PGlite
// and (with DATABASE_URL) on a real server, over the seeded test catalog.
// Fixtures are written to the catalog's tables as the catalog writes them:
// the tables are the index.

import { test } from 'node:test';
import { sql } from 'kysely';
import { createPostgresSearch } from '../../src/adapters/search/postgres.ts';
import { runSearchContract, type FixtureProduct } from '../../src/ports/search.contract.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { ENGINES } from '../support/engines.ts';

let sku = 0;

async function addProducts(
  database: SqlDatabase<Database>,
  products: readonly FixtureProduct[],
): Promise<string[]> {
  return database.withTransaction(async (trx) => {
    const ids: string[] = [];
    for (const product of products) {
      for (const [table, reference] of [
        ['brands', product.brand],
        ['categories', product.category],
      ] as const) {
        await trx
          .insertInto(table)
          .values(reference)
          .onConflict((c) => c.doNothing())
          .execute();
      }
      sku += 1;
      const row = await trx
        .insertInto('products')
        .values({
          sku: `SEARCH-${sku}`,
          title: product.title,
          description: product.description,
          brand_id: sql<string>`(select id from brands where slug = ${product.brand.slug})`,
          category_id: sql<string>`(select id from categories where slug = ${product.category.slug})`,
          tags: [...(product.tags ?? [])],
          price_amount: product.price,
          currency: 'EUR',
          stock: product.stock,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
    }
    return ids;
  });
}

for (const engine of ENGINES) {
  if (engine.skip !== false) {
    test(`SearchEngine contract: postgres on ${engine.name}`, { skip: engine.skip }, () => {});
    continue;
  }
  runSearchContract(`postgres on ${engine.name}`, async () => {
    const database = await engine.open();
    return {
      engine: createPostgresSearch(database.sql),
      addProducts: (products) => addProducts(database.sql, products),
      async deleteProduct(id) {
        await database.sql.db.deleteFrom('products').where('id', '=', id).execute();
      },
      close: () => database.close(),
    };
  });
}
