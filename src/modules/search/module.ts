// Search: GET /api/v1/search (full text, typo-tolerant, faceted, paged with
// signed cursors) and GET /api/v1/search/suggest, over the search port
// (ports/search.ts); the root picks the engine (wiring/engines.ts).

import { deriveKey } from '../../platform/data-key.ts';
import type { SearchEngine } from '../../ports/search.ts';
import { defineModule } from '../contract.ts';
import { createSearchCursorCodec } from './cursor.ts';
import { searchErrors } from './errors.ts';
import { registerSearchRoutes } from './routes.ts';

export interface SearchContext {
  readonly search: SearchEngine;
  /** The cursors' signing key is derived from it, so every instance takes any cursor. */
  readonly dataKey: Buffer;
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
});
