// The cursor codec: round trips, the fingerprint binding a cursor to its sort
// and filters, and malformed input as a 400, never a crash or a query.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAppError } from '../../http/errors.ts';
import { decodeCursor, encodeCursor, fingerprint, MAX_CURSOR_LENGTH } from './cursor.ts';
import { parseListRequest } from './listing.ts';
import { productListQuery } from './schemas.ts';
import { parseSort } from './sort.ts';

const SORT = parseSort('-price,title,createdAt');
const PRINT = fingerprint('["-price,title,createdAt"]');
const VALUES = [12900, 'Ärger & "quotes"', '1767225660123456', '42'];

function invalid(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isAppError(error));
    assert.equal(error.code, 'CATALOG_INVALID_CURSOR');
    assert.equal(error.status, 400);
    assert.deepEqual(
      error.errors?.map((e) => `${e.in}.${e.field}`),
      ['query.after'],
    );
    assert.match(error.detail ?? '', pattern);
    return true;
  });
}

describe('cursor codec', () => {
  test('round-trips every kind of key value', () => {
    const cursor = encodeCursor(VALUES, PRINT);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor, SORT, PRINT), VALUES);
  });

  test('keeps createdAt to the microsecond', () => {
    const [, , micros] = decodeCursor(encodeCursor(VALUES, PRINT), SORT, PRINT);
    assert.equal(micros, '1767225660123456');
  });

  test('a cursor for another sort or other filters is refused', () => {
    const cursor = encodeCursor(VALUES, PRINT);
    invalid(
      () =>
        decodeCursor(cursor, SORT, fingerprint('["-price,title,createdAt","category","audio"]')),
      /other sort or filter parameters/,
    );
  });

  test('malformed cursors are refused', () => {
    const bad = [
      'not base64!',
      Buffer.from('not json').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from(JSON.stringify({ k: 'x', f: PRINT })).toString('base64url'),
      'A'.repeat(MAX_CURSOR_LENGTH + 1),
    ];
    for (const text of bad) invalid(() => decodeCursor(text, SORT, PRINT), /malformed/);
  });

  test('values of the wrong type for their key are refused', () => {
    const wrong = [
      ['12900', 'a', '1', '42'], // price as a string
      [12.5, 'a', '1', '42'], // price not an integer
      [1, 2, '1', '42'], // title as a number
      [1, 'a', '2026-01-01T00:00:00Z', '42'], // createdAt not microseconds
      [1, 'a', '1', '0'], // id not a positive id
      [1, 'a', '1', '1; drop table products'],
      [1, 'a', '1'], // a key missing
    ];
    for (const values of wrong) {
      invalid(() => decodeCursor(encodeCursor(values, PRINT), SORT, PRINT), /malformed|other sort/);
    }
  });

  test('the list request binds the cursor to sort and filters, not to the page size', () => {
    const spec = (query: Record<string, string>) => parseListRequest(productListQuery.parse(query));
    const first = spec({ category: 'audio', sort: '-price' });
    const cursor = encodeCursor([100, '7'], first.fingerprint);
    assert.deepEqual(
      spec({ category: 'audio', sort: '-price', limit: '50', after: cursor }).after,
      [100, '7'],
    );
    invalid(() => spec({ category: 'audio', sort: 'price', after: cursor }), /other sort/);
    invalid(() => spec({ category: 'tools', sort: '-price', after: cursor }), /other sort/);
    invalid(() => spec({ sort: '-price', after: cursor }), /other sort/);
    invalid(
      () => spec({ category: 'audio', sort: '-price', minPrice: '1', after: cursor }),
      /other sort/,
    );
  });
});
