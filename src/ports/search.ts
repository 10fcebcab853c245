// The search port: full-text product search as shoppers type it — half
// words, typos, accents left out — with facet counts beside the hits, and
// completions while the query is still being typed. Two adapters:
// PostgreSQL (on PGlite and on a server: the catalog's own tables are the
// index), and OpenSearch, which keeps its own copy (`SearchIndex`) and falls
// back to PostgreSQL when it cannot answer; every adapter passes the same
// contract suite (search.contract.ts).
//
// Rules for code that uses the port:
// - `text` is what the user typed, limited by the caller (length, number of
//   words). Adapters read it as web-search syntax — quotes for a phrase, `-`
//   to exclude a word, `or` between alternatives — and never as an engine's
//   own query language.
// - Facets count the whole filtered set, not the page.
// - Paging is by offset within one query's results; callers sign the offset
//   into their cursors and bound how deep it goes.
// - Highlights mark matches with the two marker characters below, in text
//   that is otherwise the product's own: escaping it for HTML is the caller's.

/** Opens a highlighted match in `SearchHit.highlights` (U+0002, never in product text). */
export const MATCH_START = '\u0002';
/** Closes a highlighted match. */
export const MATCH_END = '\u0003';

export type SearchSort = 'relevance' | 'price' | '-price' | 'newest';

export interface SearchFilters {
  /** Category slug. */
  readonly category?: string | undefined;
  /** Brand slug. */
  readonly brand?: string | undefined;
  /** Inclusive bounds, in minor units. */
  readonly minPrice?: number | undefined;
  readonly maxPrice?: number | undefined;
  /** Only products with stock > 0. */
  readonly inStock?: boolean | undefined;
}

export interface SearchQuery {
  /** What the user typed; empty or absent lists the filtered catalog. */
  readonly text?: string | undefined;
  readonly filters?: SearchFilters;
  /** Default `relevance` (newest first when there is no text). */
  readonly sort?: SearchSort;
  readonly offset?: number;
  readonly limit: number;
}

export interface SearchHit {
  /** The product id (bigint as a string). */
  readonly id: string;
  readonly title: string;
  readonly brand: { readonly slug: string; readonly name: string };
  readonly category: { readonly slug: string; readonly name: string };
  readonly price: { readonly amount: number; readonly currency: string };
  readonly inStock: boolean;
  /** Higher is more relevant; comparable within one result only. */
  readonly score: number;
  /** The title and a description fragment with matches between MATCH_START and MATCH_END. */
  readonly highlights: { readonly title: string; readonly description: string };
}

export interface FacetCount {
  readonly slug: string;
  readonly name: string;
  readonly count: number;
}

export interface PriceBucket {
  /** Inclusive lower bound, minor units. */
  readonly from: number;
  /** Exclusive upper bound; null for the last, open bucket. */
  readonly to: number | null;
  readonly count: number;
}

export interface SearchFacets {
  readonly categories: readonly FacetCount[];
  readonly brands: readonly FacetCount[];
  readonly prices: readonly PriceBucket[];
}

export interface SearchResult {
  readonly hits: readonly SearchHit[];
  /** Every product matching the text and filters. */
  readonly total: number;
  readonly facets: SearchFacets;
  /** Set when a stand-in engine answered: why, as a token (see `Degraded`). */
  readonly degraded?: Degraded;
}

/**
 * Why an answer came from a stand-in engine rather than the configured one,
 * e.g. `opensearch-unavailable`: a short token, fit for a response header.
 * The answer is still a whole one, from the stand-in's own ranking.
 */
export type Degraded = string;

/**
 * Completions, best first. An array, so that adapters return plain arrays;
 * `degraded` is set as on SearchResult when a stand-in engine answered.
 */
export interface Suggestions extends ReadonlyArray<string> {
  readonly degraded?: Degraded;
}

export interface SearchEngine {
  readonly name: string;
  search(query: SearchQuery): Promise<SearchResult>;
  /** Up to `limit` (≤ 10) completions of `prefix`, best first, each leading to at least one product. */
  suggest(prefix: string, limit?: number): Promise<Suggestions>;
  /**
   * Present on engines that hold their own copy of the catalog (OpenSearch),
   * which the outbox keeps in step; absent where the engine reads the
   * catalog's tables and a committed write is already searchable.
   */
  readonly index?: SearchIndex;
  /** Throws when the engine cannot answer (for /readyz and the fallback). */
  ping?(signal?: AbortSignal): Promise<void>;
}

/** What an engine with its own copy keeps of one product. */
export interface SearchDocument {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly brand: { readonly slug: string; readonly name: string };
  readonly category: { readonly slug: string; readonly name: string };
  readonly tags: readonly string[];
  readonly price: { readonly amount: number; readonly currency: string };
  readonly stock: number;
  /** ISO 8601; `newest` sorts by it. */
  readonly createdAt: string;
  /**
   * The product row's version. A write carrying an older version than the
   * one held is ignored, so events applied late or twice never roll a
   * document back.
   */
  readonly version: number;
}

export interface RebuildProgress {
  readonly indexed: number;
  /** The last product id written, where a resumed rebuild carries on. */
  readonly lastId: string;
}

export interface SearchIndex {
  /** Adds or replaces documents (older versions than those held are ignored). */
  upsert(documents: readonly SearchDocument[]): Promise<void>;
  /** Removes documents; ids not held are ignored. */
  remove(ids: readonly string[]): Promise<void>;
  /**
   * Fills a fresh copy from `batches` while searches keep reading the current
   * one, then swaps it in at once. `resume` continues an interrupted rebuild
   * into the copy it left, instead of starting a new one.
   */
  rebuild(
    batches: AsyncIterable<readonly SearchDocument[]>,
    options?: { readonly resume?: boolean; readonly onProgress?: (p: RebuildProgress) => void },
  ): Promise<{ readonly indexed: number }>;
}

/** The price facet's bucket edges, minor units: under 50, 50–100, 100–250, 250 and up. */
export const PRICE_BUCKET_EDGES: readonly number[] = [0, 5_000, 10_000, 25_000];

/** At most this many completions per call. */
export const MAX_SUGGESTIONS = 10;
