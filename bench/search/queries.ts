// The queries `npm run bench:search` sends, one list per query shape, all
// drawn from the demo catalog's vocabulary (src/wiring/seed.ts): twelve
// category words, forty brand names, eight title variants (Pro, Lite, Max…),
// five tags and a handful of description adjectives. The catalog has no
// headphones, so the typos are of its own words: "camrea", "kitchn",
// "wearabels". The brand and category pairs below exist (a brand sells in
// three categories); the runner checks that every search finds something
// before it measures.

import type { SearchFilters, SearchQuery, SearchSort } from '../../src/ports/search.ts';

export type ShapeId = 'typo' | 'multi-word' | 'faceted' | 'listing' | 'suggest';

/** What one request asks: a search, or a completion of a prefix. */
export type BenchRequest =
  | { readonly kind: 'search'; readonly query: SearchQuery }
  | { readonly kind: 'suggest'; readonly prefix: string };

export interface QueryShape {
  readonly id: ShapeId;
  readonly description: string;
  readonly requests: readonly BenchRequest[];
}

/** Hits per page, as the API's default page. */
export const PAGE_SIZE = 20;

function search(text: string, filters: SearchFilters = {}, sort?: SearchSort): BenchRequest {
  return {
    kind: 'search',
    query: { text, filters, limit: PAGE_SIZE, ...(sort === undefined ? {} : { sort }) },
  };
}

const suggest = (prefix: string): BenchRequest => ({ kind: 'suggest', prefix });

export const SHAPES: readonly QueryShape[] = [
  {
    id: 'typo',
    description: 'misspelt words (one or two), corrected through the vocabulary',
    requests: [
      search('camrea'),
      search('kitchn'),
      search('wearabels'),
      search('computres'),
      search('outdor'),
      search('phnoes'),
      search('zephr'),
      search('meridan'),
      search('acme audoi'),
      search('glacier gamng'),
      search('camreas lite'),
      search('kestral kitchn'),
    ],
  },
  {
    id: 'multi-word',
    description: 'two or three correctly spelt words: brand, category, variant, tag, adjective',
    requests: [
      search('acme audio'),
      search('cameras lite'),
      search('phones go'),
      search('kitchen prime'),
      search('wireless audio'),
      search('portable phones'),
      search('onyx cameras'),
      search('smart wearables'),
      search('sale gaming'),
      search('new home'),
      search('acme audio pro'),
      search('quiet kitchen'),
    ],
  },
  {
    id: 'faceted',
    description: 'text with category, brand, price range and in-stock filters',
    requests: [
      search('pro', { category: 'audio', inStock: true }),
      search('smart', { category: 'phones', minPrice: 5_000, maxPrice: 25_000 }),
      search('go', { brand: 'aurora', inStock: true }),
      search('camrea', { category: 'cameras', maxPrice: 10_000 }),
      search('sale', { category: 'home', minPrice: 10_000, inStock: true }),
      search('outdoor', { brand: 'zephyr', maxPrice: 20_000 }),
      search('compact', { brand: 'kestrel', minPrice: 2_000, maxPrice: 30_000 }),
      search('gaming', { brand: 'glacier', inStock: true }, '-price'),
    ],
  },
  {
    id: 'listing',
    description: 'no text: filters only, newest or by price',
    requests: [
      search('', { category: 'audio', inStock: true }),
      search('', { brand: 'acme', minPrice: 10_000 }),
      search('', { category: 'cameras', minPrice: 5_000, maxPrice: 25_000 }, 'price'),
      search('', { inStock: true }, '-price'),
      search('', { category: 'kitchen', brand: 'onyx' }),
      search('', { maxPrice: 2_000 }, 'newest'),
    ],
  },
  {
    id: 'suggest',
    description: 'prefixes of 2–5 letters as typed, some misspelt, a few after a first word',
    requests: [
      suggest('ca'),
      suggest('cam'),
      suggest('kitc'),
      suggest('wea'),
      suggest('aud'),
      suggest('ph'),
      suggest('zeph'),
      suggest('halc'),
      suggest('camr'),
      suggest('kitcn'),
      suggest('outdr'),
      suggest('phnes'),
      suggest('acme au'),
      suggest('sale ga'),
    ],
  },
];

/** The request's path on the HTTP API, with the query string the API reads. */
export function requestPath(request: BenchRequest): string {
  if (request.kind === 'suggest') {
    return `/api/v1/search/suggest?${new URLSearchParams({ q: request.prefix }).toString()}`;
  }
  const { text, filters = {}, sort, limit } = request.query;
  const params = new URLSearchParams();
  if (text !== undefined && text !== '') params.set('q', text);
  if (filters.category !== undefined) params.set('category', filters.category);
  if (filters.brand !== undefined) params.set('brand', filters.brand);
  if (filters.minPrice !== undefined) params.set('minPrice', String(filters.minPrice));
  if (filters.maxPrice !== undefined) params.set('maxPrice', String(filters.maxPrice));
  if (filters.inStock === true) params.set('inStock', 'true');
  if (sort !== undefined) params.set('sort', sort);
  params.set('limit', String(limit));
  return `/api/v1/search?${params.toString()}`;
}

/** How a request reads in a table: its text or prefix, then its filters. */
export function describeRequest(request: BenchRequest): string {
  if (request.kind === 'suggest') return `suggest "${request.prefix}"`;
  const { text = '', filters = {}, sort } = request.query;
  const parts = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${String(value)}`);
  if (sort !== undefined) parts.push(`sort=${sort}`);
  return [text === '' ? '(no text)' : `"${text}"`, ...parts].join(' ');
}
