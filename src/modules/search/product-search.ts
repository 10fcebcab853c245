// The product list's text search (catalog/text-search.ts), answered by the
// search engine: the query text checked by the same rules as GET /search
// (request.ts), so a text refused there is refused on /products with the
// same code, then the engine's hits as product ids. Paging stops at the
// same depth as /search's.

import type { SearchEngine } from '../../ports/search.ts';
import type { ProductTextSearch } from '../catalog/text-search.ts';
import { MAX_SEARCH_DEPTH, type SearchCursorCodec } from './cursor.ts';
import { parseSearchRequest } from './request.ts';

// The list pages with its own cursors: the search request carries none, so
// this codec is never asked.
const NO_CURSORS: SearchCursorCodec = {
  encode() {
    throw new Error('the product list signs its own cursors');
  },
  decode() {
    throw new Error('the product list signs its own cursors');
  },
};

export function createProductTextSearch(engine: SearchEngine): ProductTextSearch {
  return {
    async find(request) {
      const { filters } = request;
      parseSearchRequest(
        {
          q: request.text,
          category: filters.category,
          brand: filters.brand,
          minPrice: filters.minPrice,
          maxPrice: filters.maxPrice,
          inStock: undefined,
          sort: request.sort,
          limit: request.limit,
          after: undefined,
        },
        NO_CURSORS,
      );
      const offset = Math.min(request.offset, MAX_SEARCH_DEPTH);
      const result = await engine.search({
        text: request.text,
        filters,
        sort: request.sort,
        offset,
        limit: Math.max(0, Math.min(request.limit, MAX_SEARCH_DEPTH - offset)),
      });
      const end = offset + result.hits.length;
      return {
        ids: result.hits.map((hit) => hit.id),
        total: result.total,
        hasMore: end < Math.min(result.total, MAX_SEARCH_DEPTH),
      };
    },
  };
}
