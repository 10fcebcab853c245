// Product search on OpenSearch: a SearchEngine over the alias the indexer
// keeps (indexer.ts), with the request built by query.ts and suggest.ts and
// read back by response.ts. Every call has a timeout and fails on an outage
// with SEARCH_ENGINE_UNAVAILABLE (client.ts), which the fallback
// (../fallback.ts) answers from PostgreSQL.

import {
  MAX_SUGGESTIONS,
  type SearchEngine,
  type SearchIndex,
  type SearchResult,
} from '../../../ports/search.ts';
import { parseQueryText } from '../query-text.ts';
import { searchEngineUnavailable } from '../unavailable.ts';
import { createOpenSearchConnection, ENGINE_NAME, type OpenSearchConnection } from './client.ts';
import { createOpenSearchIndex } from './indexer.ts';
import { searchBody } from './query.ts';
import { toSearchResult, type SearchResponseBody } from './response.ts';
import { splitPrefix, suggestBody, toSuggestions, type SuggestResponseBody } from './suggest.ts';
import { currentUnitOfWork } from '../../../platform/unit-of-work.ts';

export interface OpenSearchOptions {
  /** http(s)://[user:password@]host:port */
  readonly url: string;
  /** The alias searches read and the indexer moves between rebuilt copies. */
  readonly alias: string;
  /** Per query (search, suggest, ping), ms. */
  readonly timeoutMs: number;
  /** Per bulk request and index administration call, ms. */
  readonly writeTimeoutMs: number;
  /** Make each upsert and remove searchable before it returns (tests, tools). */
  readonly refreshOnWrite?: boolean;
  /** The clock, for the names of rebuilt indices. */
  readonly now?: () => number;
}

export interface OpenSearchEngine extends SearchEngine {
  readonly index: SearchIndex;
  ping(signal?: AbortSignal): Promise<void>;
  /** Closes the client's connections. */
  close(): Promise<void>;
}

export function createOpenSearchSearch(options: OpenSearchOptions): OpenSearchEngine {
  const connection: OpenSearchConnection = createOpenSearchConnection({
    url: options.url,
    timeoutMs: options.timeoutMs,
  });
  const searchPath = `/${encodeURIComponent(options.alias)}/_search`;

  return {
    name: ENGINE_NAME,

    async search(query) {
      const text = query.text?.trim() ?? '';
      const clauses = parseQueryText(text);
      if (text !== '' && clauses.length === 0) return emptyResult();
      const { body } = await connection.request<SearchResponseBody>('POST', searchPath, {
        body: searchBody(query, clauses),
        signal: callerSignal(),
      });
      return toSearchResult(body);
    },

    async suggest(prefix, limit = MAX_SUGGESTIONS) {
      const typed = splitPrefix(prefix);
      if (typed === undefined) return [];
      const { body } = await connection.request<SuggestResponseBody>('POST', searchPath, {
        body: suggestBody(typed.lead, typed.last),
        signal: callerSignal(),
      });
      return toSuggestions(body, typed.lead, typed.last, limit);
    },

    index: createOpenSearchIndex(connection, {
      alias: options.alias,
      writeTimeoutMs: options.writeTimeoutMs,
      refresh: options.refreshOnWrite === true,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),

    async ping(signal) {
      // The alias, not only the cluster: without it there is nothing to search.
      const { statusCode } = await connection.request(
        'HEAD',
        `/${encodeURIComponent(options.alias)}`,
        { signal, ignore: [404] },
      );
      if (statusCode === 404) {
        throw searchEngineUnavailable(
          ENGINE_NAME,
          `no index behind "${options.alias}" yet (run a rebuild)`,
        );
      }
    },

    close: () => connection.close(),
  };
}

/** The current request's signal: a client that leaves cuts its search off on the engine. */
function callerSignal(): AbortSignal | undefined {
  return currentUnitOfWork()?.signal;
}

/** No words to look for: nothing found, every price bucket present and empty. */
function emptyResult(): SearchResult {
  return toSearchResult({ hits: { total: 0, hits: [] } });
}
