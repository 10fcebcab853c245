// The search routes' wire shapes.

import { z } from 'zod';
import { pgText } from '../../platform/sql/pg-values.ts';
import { MAX_SUGGESTIONS } from '../../ports/search.ts';
import { INT4_MAX, money, slug } from '../catalog/schemas.ts';
import { MAX_SEARCH_CURSOR_LENGTH } from './cursor.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

/** The longest query text taken (422 beyond). */
export const QUERY_MAX_LENGTH = 200;
/** The most words, and the most operators (quotes, exclusions, `or`), one query may hold (400 beyond). */
export const QUERY_MAX_WORDS = 10;
export const QUERY_MAX_OPERATORS = 10;

const price = queryInteger(0, INT4_MAX);

export const searchQuery = z.strictObject({
  q: pgText()
    .max(QUERY_MAX_LENGTH)
    .optional()
    .meta({
      description: `What the shopper typed, up to ${QUERY_MAX_LENGTH} characters and ${QUERY_MAX_WORDS} words. Web-search syntax: "quotes" for a phrase, -word to exclude, or between alternatives. Half words are completed, misspelt ones corrected, accents ignored. Absent: the filtered catalog, newest first`,
      example: 'wireles headphones',
    }),
  category: slug.optional().meta({ description: 'Category slug', example: 'audio' }),
  brand: slug.optional().meta({ description: 'Brand slug', example: 'acme' }),
  minPrice: price.optional().meta({ description: 'Minimum price, integer minor units' }),
  maxPrice: price.optional().meta({ description: 'Maximum price, integer minor units' }),
  inStock: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: only products in stock' }),
  sort: z
    .enum(['relevance', 'price', '-price', 'newest'])
    .default('relevance')
    .meta({ description: 'relevance (the default), price, -price (descending) or newest' }),
  limit: queryInteger(1, 50).default(20).meta({ description: 'Hits per page, 1 to 50' }),
  after: pgText().min(1).optional().meta({
    description:
      'The opaque cursor of links.next; only valid with the query, filters and sort it was issued for (400 SEARCH_INVALID_CURSOR otherwise)',
    maxLength: MAX_SEARCH_CURSOR_LENGTH,
    pattern: '^[A-Za-z0-9_-]+$',
  }),
});

export type SearchRequest = z.output<typeof searchQuery>;

const reference = z.strictObject({ slug: z.string(), name: z.string() });

const searchHit = z
  .strictObject({
    id: z.string(),
    title: z.string(),
    brand: reference,
    category: reference,
    price: money,
    inStock: z.boolean(),
    score: z.number().meta({ description: 'Relevance, comparable within one response only' }),
    highlights: z.strictObject({
      title: z.string().meta({ description: 'HTML: the escaped title, matches in <mark>' }),
      description: z
        .string()
        .meta({ description: 'HTML: an escaped fragment of the description, matches in <mark>' }),
    }),
  })
  .meta({ id: 'SearchHit' });

const facetCount = z.strictObject({ slug: z.string(), name: z.string(), count: z.number().int() });

export const searchFacets = z
  .strictObject({
    categories: z.array(facetCount),
    brands: z.array(facetCount),
    prices: z.array(
      z.strictObject({
        from: z.number().int().meta({ description: 'Inclusive, minor units' }),
        to: z.number().int().nullable().meta({ description: 'Exclusive; null: no upper bound' }),
        count: z.number().int(),
      }),
    ),
  })
  .meta({
    id: 'SearchFacets',
    description: 'Counts over every hit of the query and filters, not only this page',
  });

/** For the document's examples: links.next's `after`, as the service signs it (cursor.ts), for page 2 of `q=wireless headphones`. */
const EXAMPLE_SEARCH_CURSOR =
  'FJZSbWYBXNtOoL34yjxH6Ojp3ZOo_pv_mWpRApiVort7Im8iOjIwLCJmIjoiMkFiY2FMNll2YzIifQ';

export const searchResults = z
  .strictObject({
    data: z.array(searchHit),
    facets: searchFacets,
    meta: z.strictObject({
      total: z.number().int().meta({ description: 'Every product matching the query and filters' }),
      limit: z.number().int(),
      hasMore: z.boolean(),
    }),
    links: z.strictObject({
      self: z.string(),
      next: z.string().nullable().meta({ description: 'The next page; null on the last one' }),
    }),
  })
  .meta({
    id: 'SearchResults',
    example: {
      data: [
        {
          id: '42',
          title: 'Audio Pro 142',
          brand: { slug: 'acme', name: 'Acme' },
          category: { slug: 'audio', name: 'Audio' },
          price: { amount: 12900, currency: 'EUR' },
          inStock: true,
          score: 0.8734,
          highlights: {
            title: 'Audio Pro 142',
            description: '<mark>Wireless</mark> <mark>headphones</mark>, closed-back and fast.',
          },
        },
      ],
      facets: {
        categories: [{ slug: 'audio', name: 'Audio', count: 23 }],
        brands: [
          { slug: 'acme', name: 'Acme', count: 15 },
          { slug: 'sonora', name: 'Sonora', count: 8 },
        ],
        prices: [
          { from: 0, to: 5000, count: 4 },
          { from: 5000, to: 10000, count: 9 },
          { from: 10000, to: 25000, count: 8 },
          { from: 25000, to: null, count: 2 },
        ],
      },
      meta: { total: 23, limit: 20, hasMore: true },
      links: {
        self: '/api/v1/search?q=wireless+headphones&limit=20',
        next: `/api/v1/search?q=wireless+headphones&limit=20&after=${EXAMPLE_SEARCH_CURSOR}`,
      },
    },
  });

export const suggestQuery = z.strictObject({
  q: pgText()
    .max(QUERY_MAX_LENGTH)
    .meta({ description: 'What has been typed so far', example: 'wireless headph' }),
});

export const suggestions = z
  .strictObject({
    data: z
      .array(z.string())
      .max(MAX_SUGGESTIONS)
      .meta({
        description: `Up to ${MAX_SUGGESTIONS} completions of the whole query, best first, each finding at least one product`,
      }),
  })
  .meta({
    id: 'SearchSuggestions',
    example: { data: ['wireless headphones', 'wireless headphones pro', 'wireless headset'] },
  });
