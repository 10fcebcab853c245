// A search engine that answers from a stand-in when its own engine cannot:
// OpenSearch first, PostgreSQL (over the catalog's tables, always current)
// when OpenSearch fails. The answer is then marked `degraded` — the routes
// turn that into a `Search-Degraded` header — and is otherwise a whole one.
//
// A circuit breaker keeps an outage from costing every request a timeout:
// after `failures` failures in a row the primary is skipped for `cooldownMs`,
// then one request tries it again (the others keep using the stand-in until
// that one succeeds, which closes the breaker, or fails, which opens it for
// another cooldown).
//
// Any failure of the primary falls back, not only an outage: a shopper gets
// results either way. An outage (SEARCH_ENGINE_UNAVAILABLE) is a warning;
// anything else is a bug in the request, logged as an error.
//
// A search its caller abandoned (the client left, the deadline passed) is
// cut off on the primary and neither falls back nor counts against it.
//
// Writes (`index`) and `ping` are the primary's: the stand-in reads the
// catalog itself and has nothing to keep.

import type { Logger } from 'pino';
import type { CircuitBreaker } from '../../platform/circuit-breaker.ts';
import type { SearchEngine, SearchResult, Suggestions } from '../../ports/search.ts';
import { isSearchEngineUnavailable } from './unavailable.ts';

export interface FallbackOptions {
  readonly primary: SearchEngine;
  readonly standIn: SearchEngine;
  /** The primary's breaker (platform/circuit-breaker.ts), shared with the metrics. */
  readonly breaker: CircuitBreaker;
  readonly logger: Logger;
}

export interface FallbackSearch extends SearchEngine {
  readonly breaker: CircuitBreaker;
}

/** Work stopped because its unit of work was abandoned (platform/unit-of-work.ts). */
function isAbandoned(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

export function createFallbackSearch(options: FallbackOptions): FallbackSearch {
  const { primary, standIn, logger } = options;
  const { breaker } = options;
  const log = logger.child({ component: 'search', engine: primary.name });

  /** The reason the stand-in answers this call, or undefined when the primary did. */
  async function attempt<T>(call: () => Promise<T>): Promise<{ value: T } | { reason: string }> {
    if (!breaker.tryAcquire()) return { reason: `${primary.name}-unavailable` };
    try {
      const value = await call();
      breaker.succeeded();
      return { value };
    } catch (error) {
      if (isAbandoned(error)) {
        // The request's client left or its deadline passed: the engine was
        // cut off, not found wanting, and nobody waits for the stand-in.
        breaker.released();
        throw error;
      }
      breaker.failed();
      const outage = isSearchEngineUnavailable(error);
      if (outage) {
        log.warn(
          { err: error, breaker: breaker.state() },
          'search engine unavailable; answering from the stand-in',
        );
      } else {
        log.error(
          { err: error, breaker: breaker.state() },
          'search engine failed; answering from the stand-in',
        );
      }
      return { reason: `${primary.name}-${outage ? 'unavailable' : 'error'}` };
    }
  }

  const engine: FallbackSearch = {
    name: primary.name,
    breaker,

    async search(query): Promise<SearchResult> {
      const outcome = await attempt(() => primary.search(query));
      if ('value' in outcome) return outcome.value;
      return { ...(await standIn.search(query)), degraded: outcome.reason };
    },

    async suggest(prefix, limit): Promise<Suggestions> {
      const outcome = await attempt(() => primary.suggest(prefix, limit));
      if ('value' in outcome) return outcome.value;
      return Object.assign([...(await standIn.suggest(prefix, limit))], {
        degraded: outcome.reason,
      });
    },
  };
  return Object.assign(
    engine,
    primary.index === undefined ? {} : { index: primary.index },
    primary.ping === undefined ? {} : { ping: primary.ping.bind(primary) },
  );
}
