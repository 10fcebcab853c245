// The catalog as an engine with its own copy keeps it (ports/search.ts
// SearchDocument): products joined with their brand and category, read
// from the primary — the rows a just-committed write left, never a lagging
// replica's.

import type { Kysely } from 'kysely';
import type { SearchDocument } from '../../ports/search.ts';
import type { CatalogTables } from '../catalog/tables.ts';

type Db = Kysely<CatalogTables>;

function documentsQuery(db: Db) {
  return db
    .selectFrom('products as p')
    .innerJoin('brands as b', 'b.id', 'p.brand_id')
    .innerJoin('categories as c', 'c.id', 'p.category_id')
    .select([
      'p.id',
      'p.title',
      'p.description',
      'p.tags',
      'p.price_amount',
      'p.currency',
      'p.stock',
      'p.version',
      'p.created_at',
      'b.slug as brand_slug',
      'b.name as brand_name',
      'c.slug as category_slug',
      'c.name as category_name',
    ]);
}

type DocumentRow = Awaited<ReturnType<ReturnType<typeof documentsQuery>['execute']>>[number];

function toDocument(row: DocumentRow): SearchDocument {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    brand: { slug: row.brand_slug, name: row.brand_name },
    category: { slug: row.category_slug, name: row.category_name },
    tags: row.tags,
    // char(3) on some drivers comes back padded.
    price: { amount: row.price_amount, currency: row.currency.trim() },
    stock: row.stock,
    createdAt: row.created_at.toISOString(),
    version: row.version,
  };
}

/** The current documents of those of `ids` that exist; a deleted product has none. */
export async function loadDocuments(db: Db, ids: readonly string[]): Promise<SearchDocument[]> {
  if (ids.length === 0) return [];
  const rows = await documentsQuery(db)
    .where('p.id', 'in', [...ids])
    .orderBy('p.id')
    .execute();
  return rows.map(toDocument);
}

/** Of `ids`, those that still exist. */
export async function existingIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('products')
    .select('id')
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Up to `limit` documents with ids above `afterId` (all when absent), in id order: one keyset batch. */
export async function documentsAfter(
  db: Db,
  afterId: string | undefined,
  limit: number,
): Promise<SearchDocument[]> {
  let query = documentsQuery(db).orderBy('p.id').limit(limit);
  if (afterId !== undefined) query = query.where('p.id', '>', afterId);
  return (await query.execute()).map(toDocument);
}
