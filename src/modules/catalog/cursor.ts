// The product list's keyset cursor: the sort-key values of the last row of a
// page (the `id` tiebreaker included) plus a fingerprint of the sort and the
// filters it was issued for, as base64url JSON. Opaque to clients by
// contract, not by cryptography: the list is public data and every value is
// bound as a query parameter, so a forged cursor can only move the reader to
// another position in the same list. The fingerprint catches the honest
// mistake — a cursor replayed with other `sort` or filter parameters, which
// would silently skip or repeat rows — and turns it into a 400.
//
// `createdAt` travels as integer microseconds since the epoch (as a string):
// PostgreSQL keeps microseconds, a JavaScript Date only milliseconds, and a
// cursor that rounded would skip or repeat rows created in the same millisecond.

import { createHash } from 'node:crypto';
import { catalogError } from './errors.ts';
import type { SortField, SortKey } from './sort.ts';

export type CursorValue = string | number;

/** Longer than any honest cursor (five keys, a 200-character title in UTF-8, base64). */
export const MAX_CURSOR_LENGTH = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ID = /^[1-9]\d{0,18}$/;
const MICROSECONDS = /^-?\d{1,19}$/;
const INT4_MAX = 2_147_483_647;

function invalidCursor(message: string) {
  return catalogError('CATALOG_INVALID_CURSOR', {
    detail: message,
    errors: [{ field: 'after', in: 'query', code: 'invalid_value', message }],
  });
}

/** 64 bits of SHA-256 over the canonical text of the sort and filters: enough to tell lists apart. */
export function fingerprint(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 11);
}

export function encodeCursor(values: readonly CursorValue[], print: string): string {
  return Buffer.from(JSON.stringify({ k: values, f: print }), 'utf8').toString('base64url');
}

function validValue(field: SortField, value: unknown): boolean {
  switch (field) {
    case 'price':
    case 'stock':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= INT4_MAX;
    case 'title':
      return typeof value === 'string' && value.length <= 1000;
    case 'createdAt':
      return typeof value === 'string' && MICROSECONDS.test(value);
    case 'id':
      return typeof value === 'string' && ID.test(value);
  }
}

/**
 * The keyset values of a cursor issued for `sort` with fingerprint `print`.
 * Throws CATALOG_INVALID_CURSOR (400) when it is malformed or belongs to
 * another sort or set of filters.
 */
export function decodeCursor(
  text: string,
  sort: readonly SortKey[],
  print: string,
): readonly CursorValue[] {
  if (text.length > MAX_CURSOR_LENGTH || !BASE64URL.test(text)) {
    throw invalidCursor('the cursor is malformed; use the links of a previous page');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('the cursor is malformed; use the links of a previous page');
  }
  if (typeof decoded !== 'object' || decoded === null) {
    throw invalidCursor('the cursor is malformed; use the links of a previous page');
  }
  const { k, f } = decoded as { k?: unknown; f?: unknown };
  if (typeof f !== 'string' || !Array.isArray(k)) {
    throw invalidCursor('the cursor is malformed; use the links of a previous page');
  }
  if (f !== print || k.length !== sort.length) {
    throw invalidCursor(
      'the cursor was issued for other sort or filter parameters; start again without it',
    );
  }
  sort.forEach((key, index) => {
    if (!validValue(key.field, k[index])) {
      throw invalidCursor('the cursor is malformed; use the links of a previous page');
    }
  });
  return k as CursorValue[];
}
