// Search: GET /api/v1/search (full text, typo-tolerant, faceted, paged with
// signed cursors) and GET /api/v1/search/suggest, over the search port
// (ports/search.ts); the root picks the engine (wiring/engines.ts). An
// engine with its own copy of the catalog is kept in step by the product
// events (indexing.ts); `npm run reindex` rebuilds it (rebuild.ts).

import { deriveKey } from '../../platform/data-key.ts';
import type { SearchEngine } from '../../ports/search.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { CatalogTables } from '../catalog/tables.ts';
import type { EventHandlers } from '../events/registry.ts';
import { defineModule } from '../contract.ts';
import { createSearchCursorCodec } from './cursor.ts';
import { searchErrors } from './errors.ts';
import { registerSearchIndexing } from './indexing.ts';
import { registerSearchRoutes } from './routes.ts';

export interface SearchContext {
  readonly search: SearchEngine;
  /** The cursors' signing key is derived from it, so every instance takes any cursor. */
  readonly dataKey: Buffer;
}

export interface SearchWorkerContext {
  readonly search: SearchEngine;
  readonly sql: SqlDatabase<CatalogTables>;
  readonly handlers: EventHandlers;
}

export const searchModule = defineModule({
  name: 'search',
  errors: searchErrors,
  routes(app, context: SearchContext) {
    registerSearchRoutes(
      app,
      context.search,
      createSearchCursorCodec(deriveKey(context.dataKey, 'search-cursor')),
    );
  },
  workers(context: SearchWorkerContext) {
    const { index } = context.search;
    // PostgreSQL searches the catalog's own rows: nothing to keep in step.
    if (index === undefined) return;
    registerSearchIndexing(context.handlers, { db: context.sql.db, index });
  },
});
