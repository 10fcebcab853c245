// Search HTTP routes: parse, ask the engine, shape the response.

import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import type { SearchEngine } from '../../ports/search.ts';
import { MAX_SEARCH_DEPTH, type SearchCursorCodec } from './cursor.ts';
import { highlightHtml } from './highlight.ts';
import { parseSearchRequest } from './request.ts';
import {
  QUERY_MAX_OPERATORS,
  QUERY_MAX_WORDS,
  searchQuery,
  searchResults,
  suggestions,
  suggestQuery,
} from './schemas.ts';

// Results change with any product write: fresh for a few seconds, like the product list.
const RESULTS_CACHE = cacheControl({ visibility: 'public', maxAge: 10 });

/**
 * Set when the configured engine (OpenSearch) could not answer and PostgreSQL
 * did: still a 200 with whole results, ranked by the stand-in. Such answers
 * are not stored by caches, so the engine's own answers return as soon as it does.
 */
export const DEGRADED_HEADER = 'search-degraded';

const DEGRADED_DESCRIPTION =
  'Present when the search engine (OpenSearch) could not answer and PostgreSQL did: why, e.g. `opensearch-unavailable`. The results are whole, ranked by PostgreSQL; such responses are `Cache-Control: no-store`.';

const degradedHeaders = { [DEGRADED_HEADER]: { description: DEGRADED_DESCRIPTION } };

/** Marks a stand-in's answer, or lets the normal cache policy apply. */
function cachePolicy(c: { set(name: string, value: string): void }, degraded: string | undefined) {
  if (degraded === undefined) {
    c.set('cache-control', RESULTS_CACHE);
    return;
  }
  c.set(DEGRADED_HEADER, degraded);
  c.set('cache-control', cacheControl.noStore);
}

function link(params: readonly [string, string][], after?: string): string {
  const pairs: [string, string][] = [...params];
  if (after !== undefined) pairs.push(['after', after]);
  const search = new URLSearchParams(pairs);
  return `/api/v1/search?${search.toString()}`;
}

export function registerSearchRoutes(
  app: App,
  engine: SearchEngine,
  cursors: SearchCursorCodec,
): void {
  app.group('/api/v1', { tags: ['search'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/search',
      auth: 'public',
      operationId: 'searchProducts',
      summary: 'Search products',
      description: `Full-text product search, typo-tolerant, with facet counts over every hit (not only the page). Filters combine with AND. Pages follow links.next, up to the first ${MAX_SEARCH_DEPTH} hits. Queries over ${QUERY_MAX_WORDS} words or ${QUERY_MAX_OPERATORS} operators are 400 SEARCH_QUERY_TOO_COMPLEX. When the search engine cannot answer, PostgreSQL does: still a 200, with a Search-Degraded header.`,
      errors: ['SEARCH_QUERY_TOO_COMPLEX', 'SEARCH_INVALID_RANGE', 'SEARCH_INVALID_CURSOR'],
      etag: false,
      schema: {
        query: searchQuery,
        responses: {
          200: {
            description: 'A page of hits and the facets',
            schema: searchResults,
            headers: degradedHeaders,
          },
        },
      },
      handler: async (c) => {
        const request = c.input.query;
        const parsed = parseSearchRequest(request, cursors);
        const { offset = 0 } = parsed.query;
        const result = await engine.search(parsed.query);
        const nextOffset = offset + result.hits.length;
        const hasMore = nextOffset < result.total && nextOffset < MAX_SEARCH_DEPTH;
        cachePolicy(c, result.degraded);
        return {
          data: result.hits.map((hit) => ({
            ...hit,
            price: { ...hit.price },
            highlights: {
              title: highlightHtml(hit.highlights.title),
              description: highlightHtml(hit.highlights.description),
            },
          })),
          facets: result.facets,
          meta: { total: result.total, limit: request.limit, hasMore },
          links: {
            self: link(parsed.params, request.after),
            next: hasMore
              ? link(parsed.params, cursors.encode(nextOffset, parsed.fingerprint))
              : null,
          },
        };
      },
    });

    v1.route({
      method: 'GET',
      path: '/search/suggest',
      auth: 'public',
      operationId: 'suggestSearches',
      summary: 'Complete a search as it is typed',
      description:
        'Up to 10 completions of the query typed so far: the last word completed (or, misspelt, corrected), the words before it kept. Each completion finds at least one product. When the search engine cannot answer, PostgreSQL does: still a 200, with a Search-Degraded header.',
      etag: false,
      schema: {
        query: suggestQuery,
        responses: {
          200: {
            description: 'Completions, best first',
            schema: suggestions,
            headers: degradedHeaders,
          },
        },
      },
      handler: async (c) => {
        const completions = await engine.suggest(c.input.query.q);
        cachePolicy(c, completions.degraded);
        return { data: [...completions] };
      },
    });
  });
}
