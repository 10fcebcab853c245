// An image that becomes visible (processed) or stops being visible (deleted
// while ready) changes its product's representation, which lists its images:
// the product gets a new version, in the same transaction as the image's
// change, with the `product.updated` event that version's other writes
// record too. So the ETag changes, the search index and realtime clients
// hear of it, and the product cache is told after the commit
// (`ProductChanged`), as after the catalog's own writes.

import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import { recordEvent } from '../events/outbox.ts';
import type { ProductImagesDatabase } from './tables.ts';

/** Told after the commit, with the version the product was left at (the cache's floor). */
export type ProductChanged = (productId: string, version: number) => Promise<void>;

/** Bumps the product's version and records `product.updated`; undefined when the product is gone. */
export async function bumpProductVersion(
  trx: Transaction<ProductImagesDatabase>,
  productId: string,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('products')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: sql<Date>`now()` }))
    .where('id', '=', productId)
    .returning('version')
    .executeTakeFirst();
  if (row === undefined) return undefined;
  await recordEvent(trx, {
    type: 'product.updated',
    aggregateId: productId,
    data: { productId, version: row.version },
  });
  return row.version;
}
