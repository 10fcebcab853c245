// Parsing `sort=-price,title` for the product list. Only fields on the
// allow-list can be sorted on (an arbitrary column name must never reach the
// ORDER BY), each at most once, and `id` always ends the order: it is unique,
// so rows that tie on every requested key still have one stable order, which
// is what makes keyset (cursor) paging visit each row exactly once. The
// tiebreaker takes the direction of the last requested key, so an order such
// as `-price` is `price desc, id desc` and PostgreSQL can read the
// `(price_amount, id)` index backwards instead of sorting.

import { catalogError } from './errors.ts';
import type { TextSort } from './text-search.ts';

export const SORT_FIELDS = ['price', 'title', 'createdAt', 'stock', 'id'] as const;

export type SortField = (typeof SORT_FIELDS)[number];

export interface SortKey {
  readonly field: SortField;
  readonly direction: 'asc' | 'desc';
}

/** The order when the request names none: by id, the primary key. */
export const DEFAULT_SORT = 'id';

function invalidSort(message: string) {
  return catalogError('CATALOG_INVALID_SORT', {
    detail: message,
    errors: [{ field: 'sort', in: 'query', code: 'invalid_value', message }],
  });
}

function isSortField(name: string): name is SortField {
  return (SORT_FIELDS as readonly string[]).includes(name);
}

/**
 * The sort keys of a `sort` parameter, `id` appended when it is not named.
 * Throws CATALOG_INVALID_SORT (400) for an unknown or repeated field, an empty
 * key, or a key after `id` (nothing can follow a unique key).
 */
export function parseSort(text: string | undefined): readonly SortKey[] {
  const keys: SortKey[] = [];
  for (const token of (text ?? DEFAULT_SORT).split(',')) {
    const descending = token.startsWith('-');
    const name = descending ? token.slice(1) : token;
    if (name === '') throw invalidSort('a sort key is empty');
    if (!isSortField(name)) {
      throw invalidSort(
        `cannot sort by "${name.slice(0, 40)}"; sortable fields: ${SORT_FIELDS.join(', ')}`,
      );
    }
    if (keys.some((key) => key.field === name)) {
      throw invalidSort(`"${name}" is named more than once`);
    }
    if (keys.at(-1)?.field === 'id') {
      throw invalidSort('id is unique, so no sort key can follow it');
    }
    keys.push({ field: name, direction: descending ? 'desc' : 'asc' });
  }
  const last = keys.at(-1)!;
  if (last.field !== 'id') keys.push({ field: 'id', direction: last.direction });
  return keys;
}

/**
 * The canonical text of parsed sort keys: `parseSort(formatSort(keys))`
 * gives the same keys. The `id` tiebreaker is left out where parseSort would
 * add it back by itself.
 */
export function formatSort(keys: readonly SortKey[]): string {
  const last = keys.at(-1);
  const beforeLast = keys.at(-2);
  const implied =
    last?.field === 'id' && beforeLast !== undefined && beforeLast.direction === last.direction;
  return (implied ? keys.slice(0, -1) : keys)
    .map((key) => (key.direction === 'desc' ? `-${key.field}` : key.field))
    .join(',');
}

/** With `q`, the orders the search engine offers, by the list's names for them. */
const TEXT_SORTS: Readonly<Record<string, TextSort>> = {
  price: 'price',
  '-price': '-price',
  '-createdAt': 'newest',
};

/**
 * The order of a list with `q`: relevance when `sort` is absent, else one of
 * TEXT_SORTS — a text query has no keyset to page by, and the engine sorts
 * by these only. Throws CATALOG_INVALID_SORT (400) for anything else.
 */
export function parseTextSort(text: string | undefined): TextSort {
  if (text === undefined) return 'relevance';
  const sort = Object.hasOwn(TEXT_SORTS, text) ? TEXT_SORTS[text] : undefined;
  if (sort === undefined) {
    throw invalidSort(
      `with q, results are ordered by relevance, or by one of ${Object.keys(TEXT_SORTS).join(', ')}`,
    );
  }
  return sort;
}

/** The `sort` parameter that parseTextSort reads as `sort`; undefined for relevance. */
export function formatTextSort(sort: TextSort): string | undefined {
  return Object.entries(TEXT_SORTS).find(([, value]) => value === sort)?.[0];
}
