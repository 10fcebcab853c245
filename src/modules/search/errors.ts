import { defineErrors, errorFactory } from '../../errors/index.ts';

export const searchErrors = defineErrors({
  // More words or operators than a shopper types: refused before it costs a query.
  SEARCH_QUERY_TOO_COMPLEX: { status: 400, title: 'Search query too complex', level: 'info' },
  SEARCH_INVALID_RANGE: { status: 400, title: 'Invalid price range', level: 'info' },
  SEARCH_INVALID_CURSOR: { status: 400, title: 'Invalid cursor', level: 'info' },
});

export const searchError = errorFactory(searchErrors);
