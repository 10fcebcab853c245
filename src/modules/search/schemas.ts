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
  .meta({ id: 'SearchResults' });

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
  .meta({ id: 'SearchSuggestions' });
