// The physical index: analysis and explicit mappings (dynamic: strict, so a
// document with a field nobody mapped is refused rather than guessed at).
//
// Analyzers, mirroring PostgreSQL's `product_search` configuration
// (migrations/0018_search.sql) so both engines read a query alike:
// - `product_text`: English — stop words dropped, Porter stemming — with
//   asciifolding before the stemmer, so "Crème" and "creme" meet;
// - `product_prefix`: edge n-grams (1–20) of the folded, unstemmed words, for
//   half-typed words on the fields shoppers start typing (title, brand,
//   category, tags); searched with `product_folded`, so "brul" matches the
//   n-gram "brul" of "Brûlée" and is not itself cut into n-grams.
// Names and titles also keep a `keyword` subfield, for facets and sorting.
//
// One shard: a catalog of this size fits one comfortably, and BM25 scores
// are then computed over the whole catalog, so the same query ranks the same
// way on every call (with several shards each scores by its own statistics).

/** JSON as sent to OpenSearch: the adapter builds it, the client serialises it. */
export type Json =
  string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** Longest edge n-gram: longer prefixes are matched by the words' own index. */
export const MAX_PREFIX_GRAM = 20;

export const INDEX_SETTINGS = {
  number_of_shards: 1,
  // Deep pages are bounded by the module (MAX_SEARCH_DEPTH), far below this.
  max_result_window: 10_000,
  analysis: {
    filter: {
      english_stop: { type: 'stop', stopwords: '_english_' },
      english_stemmer: { type: 'stemmer', language: 'english' },
      english_possessive: { type: 'stemmer', language: 'possessive_english' },
      prefix_grams: { type: 'edge_ngram', min_gram: 1, max_gram: MAX_PREFIX_GRAM },
    },
    analyzer: {
      product_text: {
        type: 'custom',
        tokenizer: 'standard',
        filter: [
          'english_possessive',
          'lowercase',
          'asciifolding',
          'english_stop',
          'english_stemmer',
        ],
      },
      product_folded: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding'],
      },
      product_prefix: {
        type: 'custom',
        tokenizer: 'standard',
        filter: ['lowercase', 'asciifolding', 'prefix_grams'],
      },
    },
  },
} as const satisfies JsonObject;

const searchedText = {
  type: 'text',
  analyzer: 'product_text',
  fields: {
    keyword: { type: 'keyword', ignore_above: 256 },
    prefix: { type: 'text', analyzer: 'product_prefix', search_analyzer: 'product_folded' },
  },
} as const;

const reference = {
  properties: {
    slug: { type: 'keyword' },
    name: searchedText,
  },
} as const;

export const INDEX_MAPPINGS = {
  dynamic: 'strict',
  properties: {
    // A long, so "newest" and relevance ties sort by id as PostgreSQL does.
    id: { type: 'long' },
    title: searchedText,
    description: { type: 'text', analyzer: 'product_text' },
    brand: reference,
    category: reference,
    tags: searchedText,
    price: {
      properties: {
        amount: { type: 'long' },
        currency: { type: 'keyword' },
      },
    },
    stock: { type: 'integer' },
    createdAt: { type: 'date' },
    version: { type: 'long' },
  },
} as const satisfies JsonObject;

/** The body of `PUT /<index>` for a new physical index. */
export function createIndexBody(options: { readonly refreshInterval: string }): JsonObject {
  return {
    settings: { ...INDEX_SETTINGS, refresh_interval: options.refreshInterval },
    mappings: INDEX_MAPPINGS,
  };
}
