// What a search engine's outage looks like to the rest of the service: one
// code for "the engine cannot answer right now" — connection refused or
// dropped, timed out, overloaded (429), failing (5xx), or its index not built
// yet — so the fallback (fallback.ts) can tell an outage it answers around
// from a bug it must not hide. A 503 if it ever reaches a client; the routes
// never let it, since the fallback answers from PostgreSQL instead.

import { AppError, defineErrors, errorFactory } from '../../errors/index.ts';

export const searchEngineErrors = defineErrors({
  // Logged once per failure by the fallback; the response itself is a 200.
  SEARCH_ENGINE_UNAVAILABLE: { status: 503, title: 'Search engine unavailable', level: 'warn' },
});

const searchEngineError = errorFactory(searchEngineErrors);

export function searchEngineUnavailable(engine: string, reason: string, cause?: unknown): AppError {
  return searchEngineError('SEARCH_ENGINE_UNAVAILABLE', {
    detail: `The search engine (${engine}) cannot answer: ${reason}`,
    headers: { 'retry-after': '1' },
    cause,
  });
}

/** True when `error` is SEARCH_ENGINE_UNAVAILABLE: the outage, not a bug. */
export function isSearchEngineUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'SEARCH_ENGINE_UNAVAILABLE';
}
