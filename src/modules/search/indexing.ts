// Keeping an engine's own copy of the catalog (SearchEngine.index: OpenSearch)
// in step with the database, through the outbox: every committed product
// write records an event in its transaction (catalog/service.ts,
// orders/service.ts), the relay hands it to the events queue, and the
// handler here makes the index agree with the products' rows as they are
// now. An engine without `index` (PostgreSQL) reads the rows themselves, so
// nothing is registered and the events pass it by.
//
// The handler never applies what an event says, only what the database says
// when it runs — so it is the same work for whichever event, however late:
// - Repeats are no-ops. The relay keys each job by the event's id, so an
//   event is enqueued once; a job run twice (delivery is at least once)
//   reads the same rows and upserts the same versions again, which the
//   index ignores (it keeps the newest version it holds). No record of
//   processed events is needed: the effect depends on the rows, not on
//   whether the event was seen.
// - Order does not matter. An event handled late reads the current row,
//   never the one it was recorded for; two handlers racing on one product
//   upsert their versions and the index keeps the higher.
// - Deletes stay deleted. A product missing from the table is removed. The
//   one race left — this handler read the row, then the delete committed and
//   its own handler removed the document, then this upsert put it back — is
//   closed by checking, after the upsert, that the rows still exist: the
//   delete committed before its removal, so a check after an upsert that
//   came later sees it, and removes the document again.
//
// How far behind the index runs (docs/operations.md, "The search index"): the relay's
// poll interval plus the events queue's pickup and this handler's two reads
// and its writes to the engine.

import type { Kysely } from 'kysely';
import type { SearchIndex } from '../../ports/search.ts';
import type { CatalogTables } from '../catalog/tables.ts';
import type { EventHandlers } from '../events/registry.ts';
import { existingIds, loadDocuments } from './documents.ts';

/** Makes `index` agree with the current rows of `ids`: upserts those that exist, removes the rest. */
export async function syncSearchDocuments(
  db: Kysely<CatalogTables>,
  index: SearchIndex,
  ids: readonly string[],
): Promise<void> {
  const unique = [...new Set(ids)];
  const documents = await loadDocuments(db, unique);
  const found = new Set(documents.map((document) => document.id));
  const gone = unique.filter((id) => !found.has(id));
  if (documents.length > 0) await index.upsert(documents);
  if (gone.length > 0) await index.remove(gone);
  if (documents.length === 0) return;
  const still = await existingIds(db, [...found]);
  const deletedMeanwhile = [...found].filter((id) => !still.has(id));
  if (deletedMeanwhile.length > 0) await index.remove(deletedMeanwhile);
}

/** Registers the product events' handlers that keep `index` in step. */
export function registerSearchIndexing(
  handlers: EventHandlers,
  deps: { readonly db: Kysely<CatalogTables>; readonly index: SearchIndex },
): void {
  const sync = (ids: readonly string[]) => syncSearchDocuments(deps.db, deps.index, ids);
  handlers.onEvent('product.created', (event) => sync([event.data.productId]));
  handlers.onEvent('product.updated', (event) => sync([event.data.productId]));
  handlers.onEvent('product.deleted', (event) => sync([event.data.productId]));
  handlers.onEvent('product.stock_changed', (event) =>
    sync(event.data.products.map((product) => product.productId)),
  );
}
