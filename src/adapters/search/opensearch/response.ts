// OpenSearch's search response → the port's SearchResult: the subset of the
// documented response the adapter reads (hits with `_source` and
// `highlight`, `hits.total`, terms and range aggregations), typed here and
// checked against documented-shape fixtures in test/search/opensearch/.

import {
  PRICE_BUCKET_EDGES,
  type FacetCount,
  type PriceBucket,
  type SearchHit,
  type SearchResult,
} from '../../../ports/search.ts';

interface Source {
  readonly title: string;
  readonly description?: string;
  readonly brand: { readonly slug: string; readonly name: string };
  readonly category: { readonly slug: string; readonly name: string };
  readonly price: { readonly amount: number; readonly currency: string };
  readonly stock: number;
}

export interface ResponseHit {
  readonly _id: string;
  readonly _score: number | null;
  readonly _source: Source;
  readonly highlight?: {
    readonly title?: readonly string[];
    readonly description?: readonly string[];
  };
}

interface TermsBucket {
  readonly key: string;
  readonly doc_count: number;
  readonly name?: { readonly buckets: readonly { readonly key: string }[] };
}

export interface SearchResponseBody {
  readonly hits: {
    /** An object since Elasticsearch 7 / every OpenSearch; a number with rest_total_hits_as_int. */
    readonly total: { readonly value: number; readonly relation: string } | number;
    readonly hits: readonly ResponseHit[];
  };
  readonly aggregations?: {
    readonly categories?: { readonly buckets: readonly TermsBucket[] };
    readonly brands?: { readonly buckets: readonly TermsBucket[] };
    readonly prices?: {
      readonly buckets: readonly {
        readonly key: string;
        readonly from?: number;
        readonly to?: number;
        readonly doc_count: number;
      }[];
    };
  };
}

/** Without a match in the description, its start: as many words as a fragment holds. */
const FRAGMENT_WORDS = 20;

function opening(text: string): string {
  return text.split(/\s+/).filter(Boolean).slice(0, FRAGMENT_WORDS).join(' ');
}

export function toSearchHit(hit: ResponseHit): SearchHit {
  const source = hit._source;
  return {
    id: hit._id,
    title: source.title,
    brand: { slug: source.brand.slug, name: source.brand.name },
    category: { slug: source.category.slug, name: source.category.name },
    price: { amount: source.price.amount, currency: source.price.currency.trim() },
    inStock: source.stock > 0,
    score: hit._score ?? 0,
    highlights: {
      title: hit.highlight?.title?.[0] ?? source.title,
      description: (hit.highlight?.description?.[0] ?? opening(source.description ?? '')).trim(),
    },
  };
}

function facetCounts(buckets: readonly TermsBucket[] | undefined): FacetCount[] {
  return (buckets ?? []).map((bucket) => ({
    slug: bucket.key,
    name: bucket.name?.buckets[0]?.key ?? bucket.key,
    count: bucket.doc_count,
  }));
}

/** Every bucket of PRICE_BUCKET_EDGES, in order, empty ones included. */
function priceBuckets(
  counted: NonNullable<SearchResponseBody['aggregations']>['prices'],
): PriceBucket[] {
  return PRICE_BUCKET_EDGES.map((from, index) => ({
    from,
    to: PRICE_BUCKET_EDGES[index + 1] ?? null,
    count: counted?.buckets.find((bucket) => bucket.key === String(index))?.doc_count ?? 0,
  }));
}

export function toSearchResult(body: SearchResponseBody): SearchResult {
  const total = typeof body.hits.total === 'number' ? body.hits.total : body.hits.total.value;
  return {
    hits: body.hits.hits.map(toSearchHit),
    total,
    facets: {
      categories: facetCounts(body.aggregations?.categories?.buckets),
      brands: facetCounts(body.aggregations?.brands?.buckets),
      prices: priceBuckets(body.aggregations?.prices),
    },
  };
}
