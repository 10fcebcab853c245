// Catalog persistence. Repositories take the handle to run on (the database,
// a replica or a transaction) and return domain shapes, never rows.

import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Product } from './schemas.ts';

function productByIdQuery(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('products as p')
    .innerJoin('brands as b', 'b.id', 'p.brand_id')
    .innerJoin('categories as c', 'c.id', 'p.category_id')
    .select([
      'p.id',
      'p.sku',
      'p.title',
      'p.description',
      'p.tags',
      'p.price_amount',
      'p.currency',
      'p.stock',
      'p.version',
      'p.created_at',
      'p.updated_at',
      'b.id as brand_id',
      'b.slug as brand_slug',
      'b.name as brand_name',
      'c.id as category_id',
      'c.slug as category_slug',
      'c.name as category_name',
    ])
    .where('p.id', '=', id);
}

type ProductRow = Awaited<
  ReturnType<ReturnType<typeof productByIdQuery>['executeTakeFirstOrThrow']>
>;

// The hottest read in the service: its SQL is built and compiled once per
// database handle, then executed with new parameters — Kysely compiles a
// fresh AST on every call otherwise, which costs more than the query itself
// takes on a warm server. The compiled form still comes from the typed builder.
const compiledProductById = new WeakMap<Kysely<Database>, CompiledQuery<ProductRow>>();

export async function findProductById(
  db: Kysely<Database>,
  id: string,
): Promise<Product | undefined> {
  let compiled = compiledProductById.get(db);
  if (compiled === undefined) {
    compiled = productByIdQuery(db, '0').compile();
    compiledProductById.set(db, compiled);
  }
  const { rows } = await db.executeQuery<ProductRow>({ ...compiled, parameters: [id] });
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.id,
    sku: row.sku,
    title: row.title,
    description: row.description,
    brand: { id: row.brand_id, slug: row.brand_slug, name: row.brand_name },
    category: { id: row.category_id, slug: row.category_slug, name: row.category_name },
    tags: row.tags,
    price: { amount: row.price_amount, currency: row.currency },
    stock: row.stock,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
