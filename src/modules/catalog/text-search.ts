// The product list's `q` (listing.ts): the catalog asks the search engine
// which products match, in its order, and reads those products itself, so
// the list keeps its representation whatever the engine. The search module
// provides this (search/product-search.ts) and the root hands it in: the
// catalog cannot import the search module, which builds on the catalog, and
// the rules for query text — and the 400s for text that breaks them — stay
// the search module's, the same on /products as on /search.

/** The orders a text query can take: the engine's, not the list's keyset sorts. */
export type TextSort = 'relevance' | 'price' | '-price' | 'newest';

export interface TextSearchRequest {
  readonly text: string;
  readonly filters: {
    readonly category?: string | undefined;
    readonly brand?: string | undefined;
    readonly minPrice?: number | undefined;
    readonly maxPrice?: number | undefined;
  };
  readonly sort: TextSort;
  readonly offset: number;
  readonly limit: number;
}

export interface TextSearchPage {
  /** The matching products' ids, in the engine's order, from `offset`. */
  readonly ids: readonly string[];
  /** Every product matching the text and the filters. */
  readonly total: number;
  /** Whether the engine has hits after these (within the depth it pages to). */
  readonly hasMore: boolean;
}

export interface ProductTextSearch {
  /** Throws the search module's 400s for text it does not run (too many words or operators). */
  find(request: TextSearchRequest): Promise<TextSearchPage>;
}
