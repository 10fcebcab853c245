// From the validated query string to the engine's query, with a 400 of the
// module's own for what the schema cannot see: too many words or operators,
// minPrice above maxPrice, a cursor that is not this query's.

import type { SearchQuery } from '../../ports/search.ts';
import { fingerprint } from '../catalog/cursor.ts';
import { MAX_SEARCH_DEPTH, type SearchCursorCodec } from './cursor.ts';
import { searchError } from './errors.ts';
import { QUERY_MAX_OPERATORS, QUERY_MAX_WORDS, type SearchRequest } from './schemas.ts';

const WORD = /[\p{L}\p{N}]+/gu;
/** A quote, a leading `-`, or `or` between words: what the engine reads as syntax. */
const OPERATOR = /"|(?:^|\s)-|(?:^|\s)or(?=\s|$)/giu;

export interface ParsedSearch {
  readonly query: SearchQuery;
  /** The canonical parameters, for links (cursor excluded). */
  readonly params: readonly [string, string][];
  /** Binds cursors to this query. */
  readonly fingerprint: string;
}

function tooComplex(message: string) {
  return searchError('SEARCH_QUERY_TOO_COMPLEX', {
    detail: message,
    errors: [{ field: 'q', in: 'query', code: 'too_complex', message }],
  });
}

export function parseSearchRequest(
  request: SearchRequest,
  cursors: SearchCursorCodec,
): ParsedSearch {
  const text = request.q?.trim() ?? '';
  const words = text.match(WORD)?.length ?? 0;
  if (words > QUERY_MAX_WORDS) {
    throw tooComplex(`q has ${words} words; at most ${QUERY_MAX_WORDS} are searched`);
  }
  const operators = text.match(OPERATOR)?.length ?? 0;
  if (operators > QUERY_MAX_OPERATORS) {
    throw tooComplex(`q has ${operators} operators; at most ${QUERY_MAX_OPERATORS} are taken`);
  }
  const { minPrice, maxPrice } = request;
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
    const message = `minPrice (${minPrice}) is greater than maxPrice (${maxPrice})`;
    throw searchError('SEARCH_INVALID_RANGE', {
      detail: message,
      errors: [
        { field: 'minPrice', in: 'query', code: 'out_of_range', message },
        { field: 'maxPrice', in: 'query', code: 'out_of_range', message },
      ],
    });
  }
  const params: [string, string][] = [];
  if (text !== '') params.push(['q', text]);
  for (const name of ['category', 'brand', 'minPrice', 'maxPrice', 'inStock'] as const) {
    const value = request[name];
    if (value !== undefined) params.push([name, String(value)]);
  }
  if (request.sort !== 'relevance') params.push(['sort', request.sort]);
  params.push(['limit', String(request.limit)]);
  const print = fingerprint(JSON.stringify(params));
  const offset = request.after === undefined ? 0 : cursors.decode(request.after, print);
  return {
    query: {
      text,
      filters: {
        category: request.category,
        brand: request.brand,
        minPrice,
        maxPrice,
        inStock: request.inStock === 'true' ? true : undefined,
      },
      sort: request.sort,
      offset,
      // Never past the depth limit, however the page size and the offset add up.
      limit: Math.min(request.limit, MAX_SEARCH_DEPTH - offset),
    },
    params,
    fingerprint: print,
  };
}
