// The OpenSearch adapter's requests and the reading of its responses, without
// a server. The response fixtures in test/search/opensearch/ follow the
// formats OpenSearch documents (search with aggregations and highlights, bulk
// with per-item results, error bodies); they were written from the
// documentation, not captured from a live server — the contract suite checks
// the adapter against a real one when OPENSEARCH_URL is set.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  upsertLines,
  deleteLines,
  plainText,
} from '../../src/adapters/search/opensearch/documents.ts';
import {
  INDEX_MAPPINGS,
  createIndexBody,
} from '../../src/adapters/search/opensearch/index-settings.ts';
import {
  bulkFailures,
  type BulkResponseBody,
} from '../../src/adapters/search/opensearch/indexer.ts';
import { searchBody } from '../../src/adapters/search/opensearch/query.ts';
import {
  toSearchResult,
  type SearchResponseBody,
} from '../../src/adapters/search/opensearch/response.ts';
import {
  editDistance,
  suggestBody,
  toSuggestions,
  type SuggestResponseBody,
} from '../../src/adapters/search/opensearch/suggest.ts';
import { parseQueryText } from '../../src/adapters/search/query-text.ts';
import {
  MATCH_END,
  MATCH_START,
  PRICE_BUCKET_EDGES,
  type SearchDocument,
} from '../../src/ports/search.ts';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`opensearch/${name}`, import.meta.url), 'utf8'));
}

/** The keys the assertions below read in request bodies. */
type Key =
  | 'query'
  | 'function_score'
  | 'bool'
  | 'must'
  | 'must_not'
  | 'should'
  | 'filter'
  | 'minimum_should_match'
  | 'dis_max'
  | 'queries'
  | 'multi_match'
  | 'type'
  | 'fields'
  | 'field'
  | 'fuzziness'
  | 'boost'
  | 'functions'
  | 'from'
  | 'size'
  | 'track_total_hits'
  | 'aggs'
  | 'terms'
  | 'categories'
  | 'brands'
  | 'name'
  | 'prices'
  | 'range'
  | 'ranges'
  | 'highlight'
  | 'pre_tags'
  | 'post_tags'
  | 'title'
  | 'number_of_fragments'
  | 'sort'
  | 'settings'
  | 'refresh_interval'
  | 'analysis'
  | 'analyzer'
  | 'product_text'
  | 'length'
  | '0'
  | '1'
  | '2';
/** A request body read by path in assertions: its shape is what is under test. */
type Tree = { readonly [K in Key]: Tree };

const tree = (value: unknown): Tree => value as Tree;
/** The strings of a JSON array, joined: for membership checks on field lists. */
const listed = (value: Tree): string[] => (value as unknown as unknown[]).map(String);

/** Every value under `key`, anywhere in `tree`. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) {
    const items: unknown[] = node;
    return items.flatMap((item) => valuesOf(item, key));
  }
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([name, value]) =>
    name === key ? [value, ...valuesOf(value, key)] : valuesOf(value, key),
  );
}

const body = (text: string, extra: Partial<Parameters<typeof searchBody>[0]> = {}) =>
  searchBody({ text, limit: 20, ...extra }, parseQueryText(text)) as unknown as Tree;

describe('search request', () => {
  test('carries only the folded words of the text, never its syntax', () => {
    const request = body('Wírelèss "noise cancelling" -refurbished headphones:* OR (drop)');
    const queries = valuesOf(request.query, 'query').filter(
      (value): value is string => typeof value === 'string',
    );
    for (const text of queries) assert.match(text, /^[a-z0-9 ]+$/);
    assert.deepEqual(valuesOf(request, 'query_string'), []);
    assert.deepEqual(valuesOf(request, 'simple_query_string'), []);
    assert.ok(queries.includes('wireless'));
  });

  test('words are required, phrases are phrases, exclusions are must_not, or is should', () => {
    const bool = body('headphones "electric kettle" -studio quietude or rapid').query.function_score
      .query.bool;
    assert.equal(bool.must.length, 3);
    const [word, phrase, either] = [bool.must[0], bool.must[1], bool.must[2]];
    assert.ok(word.dis_max, 'a loose word takes the best of several ways');
    assert.deepEqual(phrase.multi_match.type, 'phrase');
    assert.equal(phrase.multi_match.query, 'electric kettle');
    assert.equal(either.bool.minimum_should_match, 1);
    assert.equal(either.bool.should.length, 2);
    assert.equal(bool.must_not.length, 1);
    assert.equal(bool.must_not[0].multi_match.query, 'studio');
    assert.equal(bool.must_not[0].multi_match.fuzziness, undefined, 'exclusions are exact');
  });

  test('a loose word: as written, completed, corrected; title boosted above the rest', () => {
    const ways = body('headph').query.function_score.query.bool.must[0].dis_max.queries;
    const [asWritten, completed, corrected] = [ways[0], ways[1], ways[2]];
    assert.deepEqual(asWritten.multi_match.fields, [
      'title^3',
      'brand.name^2',
      'category.name^2',
      'tags^2',
      'description',
    ]);
    assert.ok(listed(completed.multi_match.fields).every((field) => field.includes('.prefix')));
    assert.equal(corrected.multi_match.fuzziness, 'AUTO');
    assert.ok(Number(completed.multi_match.boost) < 1 && Number(corrected.multi_match.boost) < 1);
    assert.ok(!listed(corrected.multi_match.fields).includes('description'));
  });

  test('a two-letter word is not completed', () => {
    const ways = body('tv').query.function_score.query.bool.must[0].dis_max.queries;
    const fields = [ways[0], ways[1]].flatMap((way) => listed(way.multi_match.fields));
    assert.equal(ways.length, 2);
    assert.ok(fields.every((field) => !field.includes('.prefix')));
  });

  test('in-stock boost, filters in bool.filter, facets, highlights, totals, paging', () => {
    const request = body('kettle', {
      filters: { category: 'kettles', brand: 'bruhl', minPrice: 100, maxPrice: 900, inStock: true },
      offset: 40,
      limit: 20,
    });
    const score = request.query.function_score;
    assert.deepEqual(score.functions, [{ filter: { range: { stock: { gt: 0 } } }, weight: 1.25 }]);
    assert.deepEqual(score.query.bool.filter, [
      { term: { 'category.slug': 'kettles' } },
      { term: { 'brand.slug': 'bruhl' } },
      { range: { 'price.amount': { gte: 100, lte: 900 } } },
      { range: { stock: { gt: 0 } } },
    ]);
    assert.equal(request.from, 40);
    assert.equal(request.size, 20);
    assert.equal(request.track_total_hits, true);
    assert.equal(request.aggs.categories.terms.field, 'category.slug');
    assert.equal(request.aggs.brands.aggs.name.terms.field, 'brand.name.keyword');
    assert.deepEqual(
      request.aggs.prices.range.ranges,
      PRICE_BUCKET_EDGES.map((from, index) => ({
        key: String(index),
        from,
        ...(index + 1 < PRICE_BUCKET_EDGES.length ? { to: PRICE_BUCKET_EDGES[index + 1] } : {}),
      })),
    );
    assert.deepEqual(request.highlight.pre_tags, [MATCH_START]);
    assert.deepEqual(request.highlight.post_tags, [MATCH_END]);
    assert.equal(request.highlight.fields.title.number_of_fragments, 0);
  });

  test('sorts: relevance with text, newest without, price either way, ties by id', () => {
    assert.deepEqual(body('kettle').sort, [
      { _score: { order: 'desc' } },
      { id: { order: 'asc' } },
    ]);
    const listing = body('');
    assert.deepEqual(listing.sort, [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }]);
    assert.equal(listing.query.function_score, undefined, 'no text, nothing to rank');
    assert.equal(listing.highlight, undefined);
    assert.deepEqual(body('kettle', { sort: '-price' }).sort, [
      { 'price.amount': { order: 'desc' } },
      { id: { order: 'asc' } },
    ]);
  });

  test('an exclusion-only query lists everything else', () => {
    const bool = body('-refurbished').query.function_score.query.bool;
    assert.equal(bool.must, undefined);
    assert.equal(bool.must_not.length, 1);
  });
});

describe('search response', () => {
  const result = toSearchResult(fixture('search-response.json') as SearchResponseBody);

  test('hits: source fields, stock, score, highlights', () => {
    assert.equal(result.total, 3);
    assert.deepEqual(result.hits[0], {
      id: '101',
      title: 'Wireless Headphones Quietude',
      brand: { slug: 'sonora', name: 'Sonora' },
      category: { slug: 'headgear', name: 'Headgear' },
      price: { amount: 12_900, currency: 'EUR' },
      inStock: true,
      score: 7.25,
      highlights: {
        title: `Wireless ${MATCH_START}Headphones${MATCH_END} Quietude`,
        description: `Noise cancelling over-ear ${MATCH_START}headphones${MATCH_END} with a long battery.`,
      },
    });
    assert.equal(result.hits[1]!.inStock, false);
  });

  test('without a highlight: the title as it is, the description opening', () => {
    const second = result.hits[1]!;
    assert.equal(second.highlights.description.split(' ').length, 20);
    const third = result.hits[2]!;
    assert.equal(third.highlights.title, 'Electric Kettle Rapid');
    assert.equal(
      third.highlights.description,
      'Boils water in two minutes; headphones not included.',
    );
    assert.equal(third.score, 0, 'a null score (sorted by a field) reads as 0');
  });

  test('facets with names, price buckets in the port edges', () => {
    assert.deepEqual(result.facets.categories, [
      { slug: 'headgear', name: 'Headgear', count: 2 },
      { slug: 'kettles', name: 'Kettles', count: 1 },
    ]);
    assert.deepEqual(result.facets.brands[1], { slug: 'bruhl', name: 'Brühl', count: 1 });
    assert.deepEqual(result.facets.prices, [
      { from: 0, to: 5_000, count: 0 },
      { from: 5_000, to: 10_000, count: 1 },
      { from: 10_000, to: 25_000, count: 2 },
      { from: 25_000, to: null, count: 0 },
    ]);
  });

  test('an answer without aggregations still has every price bucket', () => {
    const empty = toSearchResult({ hits: { total: { value: 0, relation: 'eq' }, hits: [] } });
    assert.deepEqual(empty.facets.categories, []);
    assert.equal(empty.facets.prices.length, PRICE_BUCKET_EDGES.length);
  });
});

describe('suggest', () => {
  const response = fixture('suggest-response.json') as SuggestResponseBody;

  test('completes the last word from the products found, keeping the words before', () => {
    assert.deepEqual(toSuggestions(response, ['wireless'], 'head'), [
      'wireless headset',
      'wireless headgear',
      'wireless headphones',
    ]);
  });

  test('then words the last one resembles; never bare numbers; at most the limit', () => {
    assert.deepEqual(toSuggestions(response, [], 'quietdue'), ['quietude']);
    assert.deepEqual(toSuggestions(response, [], '202'), []);
    assert.equal(toSuggestions(response, [], 's', 1).length, 1);
  });

  test('the request requires the words before and completes or corrects the last', () => {
    const request = tree(suggestBody(['wireless'], 'headph'));
    const [lead, last] = [request.query.bool.must[0], request.query.bool.must[1]];
    assert.equal(lead.multi_match.query, 'wireless');
    assert.equal(last.bool.should.length, 2);
    assert.equal(request.size, 50);
  });

  test('edit distance counts a swap of neighbours as one', () => {
    assert.equal(editDistance('quietdue', 'quietude'), 1);
    assert.equal(editDistance('headfones', 'headphones'), 2);
    assert.equal(editDistance('', 'abc'), 3);
  });
});

describe('documents and bulk', () => {
  const document: SearchDocument = {
    id: '7',
    title: 'Crème Brûlée Kettle',
    description: '<p>A kettle for <b>café</b> mornings.</p>',
    brand: { slug: 'bruhl', name: 'Brühl' },
    category: { slug: 'kettles', name: 'Kettles' },
    tags: ['voyage'],
    price: { amount: 4_900, currency: 'EUR ' },
    stock: 3,
    createdAt: '2026-12-01T10:00:00.000Z',
    version: 4,
  };

  test('writes carry the product version as an external version', () => {
    const [action, source] = upsertLines([document]);
    assert.deepEqual(action, { index: { _id: '7', version: 4, version_type: 'external' } });
    assert.equal((source as { description: string }).description, 'A kettle for café mornings.');
    assert.deepEqual(deleteLines(['7', '8']), [{ delete: { _id: '7' } }, { delete: { _id: '8' } }]);
    assert.equal(plainText('a<br/>b'), 'a b');
  });

  test('every document field is mapped, and nothing else is accepted', () => {
    const [, source] = upsertLines([document]);
    assert.deepEqual(Object.keys(source!).sort(), Object.keys(INDEX_MAPPINGS.properties).sort());
    assert.equal(INDEX_MAPPINGS.dynamic, 'strict');
    const created = tree(createIndexBody({ refreshInterval: '-1' }));
    assert.equal(created.settings.refresh_interval, '-1');
    assert.ok(
      listed(created.settings.analysis.analyzer.product_text.filter).includes('asciifolding'),
    );
  });

  test('bulk items: stale versions and missing deletes ignored, 429 is an outage, the rest refused', () => {
    const failures = bulkFailures(fixture('bulk-response.json') as BulkResponseBody);
    assert.equal(failures.overloaded, true);
    assert.equal(failures.refused.length, 1);
    assert.match(failures.refused[0]!, /^104: mapper_parsing_exception/);
    assert.deepEqual(bulkFailures({ errors: false, items: [] }), {
      overloaded: false,
      refused: [],
    });
  });
});
