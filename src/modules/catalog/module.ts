// Catalog: products (v1 and v2 representations), their listing with signed
// keyset cursors, full-text `q` through the search engine, conditional
// writes (each recording its event), and the read cache in front of them.

import { deriveKey } from '../../platform/data-key.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { createCursorCodec } from './cursor.ts';
import { catalogErrors } from './errors.ts';
import { catalogGrpc } from './grpc.ts';
import type { ProductCache } from './product-cache.ts';
import { registerCatalogRoutes } from './routes.ts';
import { createCatalogService } from './service.ts';
import type { CatalogDatabase } from './tables.ts';
import type { ProductTextSearch } from './text-search.ts';

export interface CatalogContext {
  readonly sql: SqlDatabase<CatalogDatabase>;
  /** Absent when the cache is switched off (CACHE_ENABLED=false). */
  readonly productCache: ProductCache | undefined;
  /** The cursors' signing key is derived from it, so every instance takes any cursor. */
  readonly dataKey: Buffer;
  /** Answers the list's `q` (the search module's, handed in by the root). */
  readonly productSearch: ProductTextSearch;
}

export const catalogModule = defineModule({
  name: 'catalog',
  errors: catalogErrors,
  events: ['product.created', 'product.updated', 'product.deleted'],
  routes(app, context: CatalogContext) {
    registerCatalogRoutes(app, catalogService(context), cursorCodec(context));
  },
  grpc: (context: CatalogContext) => [catalogGrpc(catalogService(context), cursorCodec(context))],
});

function catalogService(context: CatalogContext) {
  return createCatalogService({
    sql: context.sql,
    cache: context.productCache,
    search: context.productSearch,
  });
}

function cursorCodec(context: CatalogContext) {
  return createCursorCodec(deriveKey(context.dataKey, 'catalog-cursor'));
}
