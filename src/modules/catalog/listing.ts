// The product list's request and response conventions, as plain functions
// shared by the service and the benchmark's baseline server:
//
// - `parseListRequest` turns the validated query into a ListSpec, with a 400
//   of its own for each mistake the schema cannot see: an unknown sort field,
//   minPrice > maxPrice, a malformed, forged or foreign cursor, page with after.
// - `listEnvelope` wraps a page in `{ data, meta, links }`.
//
// Two ways to page. Cursor mode is the default: the first page is the request
// without `page` and without `after`, and `links.next` carries a cursor
// holding the last row's sort-key values; each page is a keyset (index range)
// query, stable while rows are inserted or deleted, and as fast on the last
// page as on the first. `meta.page` and `links.prev` are null there: a cursor
// only moves forward. Offset mode starts when the request names `page`:
// `links.prev`/`next` are page numbers, and rows can shift between pages as
// the catalog changes. `meta.total` counts every product matching the
// filters, in both modes.

import { fingerprint, type CursorCodec, type CursorValue } from './cursor.ts';
import { catalogError } from './errors.ts';
import type { ProductListQuery } from './schemas.ts';
import {
  DEFAULT_SORT,
  formatSort,
  formatTextSort,
  parseSort,
  parseTextSort,
  type SortKey,
} from './sort.ts';
import type { TextSort } from './text-search.ts';

export interface ListFilters {
  readonly category?: string | undefined;
  readonly brand?: string | undefined;
  readonly minPrice?: number | undefined;
  readonly maxPrice?: number | undefined;
  readonly tag?: string | undefined;
}

export interface ListSpec {
  readonly filters: ListFilters;
  /** The order, `id` tiebreaker included. */
  readonly sort: readonly SortKey[];
  readonly limit: number;
  /** Offset mode: the 1-based page. Undefined in cursor mode. */
  readonly page: number | undefined;
  /** Cursor mode: the keyset values the page starts after; undefined on the first page. */
  readonly after: readonly CursorValue[] | undefined;
  /** The cursor as received, for `links.self`. */
  readonly cursor: string | undefined;
  /** Binds cursors to this sort and these filters (and the text). */
  readonly fingerprint: string;
  /** With `q`: the text, the engine's order, and where the page starts in its results. */
  readonly text?: { readonly query: string; readonly sort: TextSort; readonly offset: number };
}

export interface ListPage<T> {
  readonly items: T[];
  /** Whether rows follow this page. */
  readonly hasMore: boolean;
  /** The sort-key values of the last item (for the next cursor). */
  readonly last: readonly CursorValue[] | undefined;
  readonly total: number;
  /** With `q`: the offset the next page starts at. */
  readonly nextOffset?: number;
}

export interface ListEnvelope<T> {
  data: T[];
  meta: { page: number | null; limit: number; total: number; hasMore: boolean };
  links: { self: string; next: string | null; prev: string | null };
}

const FILTER_NAMES = ['category', 'brand', 'minPrice', 'maxPrice', 'tag'] as const;

function canonicalFilters(filters: ListFilters): [string, string][] {
  const pairs: [string, string][] = [];
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined) pairs.push([name, String(value)]);
  }
  return pairs;
}

export function parseListRequest(query: ProductListQuery, cursors: CursorCodec): ListSpec {
  if (query.page !== undefined && query.after !== undefined) {
    const message = 'page (offset paging) and after (cursor paging) cannot be combined';
    throw catalogError('CATALOG_PAGINATION_CONFLICT', {
      detail: message,
      errors: [
        { field: 'page', in: 'query', code: 'conflict', message },
        { field: 'after', in: 'query', code: 'conflict', message },
      ],
    });
  }
  if (
    query.minPrice !== undefined &&
    query.maxPrice !== undefined &&
    query.minPrice > query.maxPrice
  ) {
    const message = `minPrice (${query.minPrice}) is greater than maxPrice (${query.maxPrice})`;
    throw catalogError('CATALOG_INVALID_RANGE', {
      detail: message,
      errors: [
        { field: 'minPrice', in: 'query', code: 'out_of_range', message },
        { field: 'maxPrice', in: 'query', code: 'out_of_range', message },
      ],
    });
  }
  const filters: ListFilters = {
    category: query.category,
    brand: query.brand,
    minPrice: query.minPrice,
    maxPrice: query.maxPrice,
    tag: query.tag,
  };
  const text = query.q?.trim() ?? '';
  if (text !== '') return parseTextRequest(query, text, filters, cursors);
  const sort = parseSort(query.sort);
  const print = fingerprint(
    JSON.stringify([formatSort(sort), ...canonicalFilters(filters).flat()]),
  );
  return {
    filters,
    sort,
    limit: query.limit,
    page: query.page,
    after: query.after === undefined ? undefined : cursors.decode(query.after, sort, print),
    cursor: query.after,
    fingerprint: print,
  };
}

function parseTextRequest(
  query: ProductListQuery,
  text: string,
  filters: ListFilters,
  cursors: CursorCodec,
): ListSpec {
  if (filters.tag !== undefined) {
    const message = 'tag cannot be combined with q: search filters by category, brand and price';
    throw catalogError('CATALOG_PARAMETER_CONFLICT', {
      detail: message,
      errors: [
        { field: 'tag', in: 'query', code: 'conflict', message },
        { field: 'q', in: 'query', code: 'conflict', message },
      ],
    });
  }
  const textSort = parseTextSort(query.sort);
  const print = fingerprint(
    JSON.stringify(['q', text, textSort, ...canonicalFilters(filters).flat()]),
  );
  const offset =
    query.page !== undefined
      ? (query.page - 1) * query.limit
      : query.after === undefined
        ? 0
        : cursors.decodeOffset(query.after, print);
  return {
    filters,
    sort: parseSort(undefined),
    limit: query.limit,
    page: query.page,
    after: undefined,
    cursor: query.after,
    fingerprint: print,
    text: { query: text, sort: textSort, offset },
  };
}

/** `,` stays readable in `sort=-price,title`; everything else is percent-encoded. */
function encodeValue(value: string): string {
  return encodeURIComponent(value).replaceAll('%2C', ',');
}

function link(basePath: string, spec: ListSpec, position: [string, string] | undefined): string {
  const pairs = canonicalFilters(spec.filters);
  if (spec.text !== undefined) {
    pairs.unshift(['q', spec.text.query]);
    const sort = formatTextSort(spec.text.sort);
    if (sort !== undefined) pairs.push(['sort', sort]);
  } else {
    const sort = formatSort(spec.sort);
    if (sort !== DEFAULT_SORT) pairs.push(['sort', sort]);
  }
  pairs.push(['limit', String(spec.limit)]);
  if (position !== undefined) pairs.push(position);
  return `${basePath}?${pairs.map(([name, value]) => `${name}=${encodeValue(value)}`).join('&')}`;
}

export function listEnvelope<T>(
  basePath: string,
  spec: ListSpec,
  page: ListPage<T>,
  cursors: CursorCodec,
): ListEnvelope<T> {
  const { hasMore } = page;
  const meta = { page: spec.page ?? null, limit: spec.limit, total: page.total, hasMore };
  if (spec.page !== undefined) {
    const current = spec.page;
    return {
      data: page.items,
      meta,
      links: {
        self: link(basePath, spec, ['page', String(current)]),
        next: hasMore ? link(basePath, spec, ['page', String(current + 1)]) : null,
        prev: current > 1 ? link(basePath, spec, ['page', String(current - 1)]) : null,
      },
    };
  }
  const after = nextCursor(spec, page, cursors);
  const next = after === undefined ? null : link(basePath, spec, ['after', after]);
  return {
    data: page.items,
    meta,
    links: {
      self: link(basePath, spec, spec.cursor === undefined ? undefined : ['after', spec.cursor]),
      next,
      prev: null,
    },
  };
}

/** Cursor mode: the cursor of the page after `page`, or undefined on the last page. */
export function nextCursor<T>(
  spec: ListSpec,
  page: ListPage<T>,
  cursors: CursorCodec,
): string | undefined {
  if (!page.hasMore) return undefined;
  if (spec.text !== undefined) {
    return page.nextOffset === undefined
      ? undefined
      : cursors.encodeOffset(page.nextOffset, spec.fingerprint);
  }
  return page.last === undefined ? undefined : cursors.encode(page.last, spec.fingerprint);
}
