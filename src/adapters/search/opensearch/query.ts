// SearchQuery → the body of `POST /<alias>/_search`.
//
// The user's text is parsed by the same web-search reader as PostgreSQL's
// (../query-text.ts) and only its folded words reach the request, each as
// the `query` of a match-type query: never as query_string or any other
// syntax OpenSearch would interpret.
//
// - Clauses are all required (`bool.must`); the alternatives of an `or`
//   clause are a `bool.should` needing one; `-word` and `-"a phrase"` go to
//   `bool.must_not`, matched exactly as PostgreSQL does.
// - A loose word matches the best of three ways (`dis_max`): as written
//   (stemmed, accent-blind) on every field; as the start of a word (edge
//   n-grams) on the fields shoppers type from; or corrected (`fuzziness:
//   AUTO`) on those same fields. Corrections and completions score lower than
//   the word itself, so exact words rank first. Descriptions are matched as
//   written only: PostgreSQL corrects and completes from the vocabulary of
//   titles, brands, categories and tags, and a fuzzy match anywhere in a long
//   description finds too much ("wirel" would find "wired").
// - Phrases are `multi_match` of type phrase.
// - Field boosts (BM25): title 3, brand/category/tags 2, description 1 — the
//   order of PostgreSQL's weights; products in stock score 1.25 times as much
//   (function_score), as they do there.
// - Filters sit in `bool.filter`: they narrow without scoring, and the facets
//   (aggregations) count the filtered set.
// - Highlights mark matches between MATCH_START and MATCH_END, from a query
//   of every word looked for (any of them, not all: a title holding some of
//   the words shows them).
// - Paging is from/size: the module never asks past MAX_SEARCH_DEPTH (1,000)
//   hits, where from/size costs little and needs no state between pages;
//   `search_after` would need the port's offset cursors to carry sort values
//   instead, which PostgreSQL's ranking cannot resume from.

import {
  MATCH_END,
  MATCH_START,
  PRICE_BUCKET_EDGES,
  type SearchFilters,
  type SearchQuery,
} from '../../../ports/search.ts';
import { MIN_PREFIX_LENGTH, type Clause, type Part } from '../query-text.ts';
import type { Json, JsonObject } from './index-settings.ts';

export const TEXT_FIELDS = ['title^3', 'brand.name^2', 'category.name^2', 'tags^2', 'description'];
/** Where half-typed and misspelt words are looked for: the words shoppers start from. */
export const PREFIX_FIELDS = [
  'title.prefix^3',
  'brand.name.prefix^2',
  'category.name.prefix^2',
  'tags.prefix^2',
];
export const FUZZY_FIELDS = ['title^3', 'brand.name^2', 'category.name^2', 'tags^2'];

/** How much a completion, and a correction, counts against the word as written. */
const PREFIX_WEIGHT = 0.5;
const FUZZY_WEIGHT = 0.3;
export const IN_STOCK_BOOST = 1.25;
/** Facet values returned per facet: every brand and category of a catalog of this size. */
export const FACET_SIZE = 1000;
/** The description fragment's length, in characters (PostgreSQL's is at most 20 words). */
export const FRAGMENT_SIZE = 160;

const IN_STOCK: JsonObject = { range: { stock: { gt: 0 } } };

/** Typos within AUTO's edit distance, the first letter taken as typed (cheaper, and rarely the typo). */
const FUZZY = { fuzziness: 'AUTO', prefix_length: 1 } as const;

function phrase(words: readonly string[], fields: readonly string[]): JsonObject {
  return {
    multi_match: {
      query: words.join(' '),
      fields: [...fields],
      type: 'phrase',
      zero_terms_query: 'all',
    },
  };
}

function asWritten(word: string, fields: readonly string[]): JsonObject {
  // A stop word ("the") analyses to nothing: it then matches everything
  // rather than nothing, as PostgreSQL drops stop words from a query.
  return { multi_match: { query: word, fields: [...fields], zero_terms_query: 'all' } };
}

function looseWord(word: string): JsonObject {
  const ways: Json[] = [asWritten(word, TEXT_FIELDS)];
  if (word.length >= MIN_PREFIX_LENGTH) {
    ways.push({ multi_match: { query: word, fields: PREFIX_FIELDS, boost: PREFIX_WEIGHT } });
  }
  ways.push({ multi_match: { query: word, fields: FUZZY_FIELDS, ...FUZZY, boost: FUZZY_WEIGHT } });
  return { dis_max: { queries: ways } };
}

function partQuery(part: Part): JsonObject {
  if (part.words.length > 1) return phrase(part.words, TEXT_FIELDS);
  return part.excluded ? asWritten(part.words[0]!, TEXT_FIELDS) : looseWord(part.words[0]!);
}

/** The text's query: every clause required, exclusions refused. */
export function textQuery(clauses: readonly Clause[]): {
  must: JsonObject[];
  mustNot: JsonObject[];
} {
  const must: JsonObject[] = [];
  const mustNot: JsonObject[] = [];
  for (const clause of clauses) {
    // The reader never joins an exclusion to an alternative: it is a clause alone.
    const kept = clause.filter((part) => !part.excluded);
    for (const part of clause) if (part.excluded) mustNot.push(partQuery(part));
    if (kept.length === 1) must.push(partQuery(kept[0]!));
    else if (kept.length > 1) {
      must.push({ bool: { should: kept.map(partQuery), minimum_should_match: 1 } });
    }
  }
  return { must, mustNot };
}

export function filterQueries(filters: SearchFilters): JsonObject[] {
  const found: JsonObject[] = [];
  if (filters.category !== undefined) found.push({ term: { 'category.slug': filters.category } });
  if (filters.brand !== undefined) found.push({ term: { 'brand.slug': filters.brand } });
  if (filters.minPrice !== undefined || filters.maxPrice !== undefined) {
    const range: Record<string, number> = {};
    if (filters.minPrice !== undefined) range.gte = filters.minPrice;
    if (filters.maxPrice !== undefined) range.lte = filters.maxPrice;
    found.push({ range: { 'price.amount': range } });
  }
  if (filters.inStock === true) found.push(IN_STOCK);
  return found;
}

function sortOf(query: SearchQuery, hasText: boolean): Json[] {
  const newest: Json[] = [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }];
  switch (query.sort ?? 'relevance') {
    case 'price':
      return [{ 'price.amount': { order: 'asc' } }, { id: { order: 'asc' } }];
    case '-price':
      return [{ 'price.amount': { order: 'desc' } }, { id: { order: 'asc' } }];
    case 'newest':
      return newest;
    case 'relevance':
      return hasText ? [{ _score: { order: 'desc' } }, { id: { order: 'asc' } }] : newest;
  }
}

/** A field's matches: each word as written, completed or corrected; phrases as phrases. */
function highlightQuery(clauses: readonly Clause[], field: string, corrected: boolean): JsonObject {
  const should: Json[] = [];
  for (const clause of clauses) {
    for (const part of clause) {
      if (part.excluded) continue;
      if (part.words.length > 1) {
        should.push({ match_phrase: { [field]: part.words.join(' ') } });
        continue;
      }
      const word = part.words[0]!;
      should.push({ match: { [field]: corrected ? { query: word, ...FUZZY } : { query: word } } });
      // Against the field's stemmed terms: "brul" marks "Brûlée" (indexed "brule").
      if (word.length >= MIN_PREFIX_LENGTH) should.push({ prefix: { [field]: word } });
    }
  }
  return { bool: { should, minimum_should_match: 1 } };
}

function highlight(clauses: readonly Clause[]): JsonObject {
  return {
    type: 'unified',
    pre_tags: [MATCH_START],
    post_tags: [MATCH_END],
    fields: {
      // The whole title, marked.
      title: { number_of_fragments: 0, highlight_query: highlightQuery(clauses, 'title', true) },
      // One fragment around the matches; the description's start when none.
      description: {
        fragment_size: FRAGMENT_SIZE,
        number_of_fragments: 1,
        no_match_size: FRAGMENT_SIZE,
        highlight_query: highlightQuery(clauses, 'description', false),
      },
    },
  };
}

function facets(): JsonObject {
  const order: Json[] = [{ _count: 'desc' }, { _key: 'asc' }];
  const terms = (field: string): JsonObject => ({
    terms: {
      field: `${field}.slug`,
      size: FACET_SIZE,
      order,
    },
    aggs: { name: { terms: { field: `${field}.name.keyword`, size: 1 } } },
  });
  return {
    categories: terms('category'),
    brands: terms('brand'),
    prices: {
      range: {
        field: 'price.amount',
        ranges: PRICE_BUCKET_EDGES.map((from, index): Json => {
          const to = PRICE_BUCKET_EDGES[index + 1];
          return to === undefined ? { key: String(index), from } : { key: String(index), from, to };
        }),
      },
    },
  };
}

/** What each hit brings back: enough for a SearchHit, and the description for its fragment. */
export const SOURCE_FIELDS = ['title', 'description', 'brand', 'category', 'price', 'stock'];

export function searchBody(query: SearchQuery, clauses: readonly Clause[]): JsonObject {
  const hasText = clauses.length > 0;
  const { must, mustNot } = textQuery(clauses);
  const bool: Record<string, Json> = {};
  if (must.length > 0) bool.must = must;
  if (mustNot.length > 0) bool.must_not = mustNot;
  const filter = filterQueries(query.filters ?? {});
  if (filter.length > 0) bool.filter = filter;
  const matched: JsonObject = { bool };
  const body: Record<string, Json> = {
    from: query.offset ?? 0,
    size: query.limit,
    track_total_hits: true,
    _source: SOURCE_FIELDS,
    query: hasText
      ? {
          function_score: {
            query: matched,
            functions: [{ filter: IN_STOCK, weight: IN_STOCK_BOOST }],
            score_mode: 'multiply',
            boost_mode: 'multiply',
          },
        }
      : matched,
    sort: sortOf(query, hasText),
    aggs: facets(),
  };
  if (hasText) {
    // Scores are kept under other sorts too, as PostgreSQL computes them.
    body.track_scores = true;
    body.highlight = highlight(clauses);
  }
  return body;
}
