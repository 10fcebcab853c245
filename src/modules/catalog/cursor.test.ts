// The cursor codec: round trips, the signature that keeps clients from
// writing their own, the fingerprint binding a cursor to its sort and
// filters, and malformed input as a 400, never a crash or a query.

import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isAppError } from '../../errors/index.ts';
import { createCursorCodec, fingerprint, MAX_CURSOR_LENGTH } from './cursor.ts';
import { parseListRequest } from './listing.ts';
import { productListQuery } from './schemas.ts';
import { parseSort } from './sort.ts';

const SORT = parseSort('-price,title,createdAt');
const PRINT = fingerprint('["-price,title,createdAt"]');
const VALUES = [12900, 'Ärger & "quotes"', '1767225660123456', '42'];

const KEY = randomBytes(32);
const codec = createCursorCodec(KEY);

/** The token format (HMAC-SHA256, then the payload) around any payload, under the codec's key. */
function signed(payload: string): string {
  const bytes = Buffer.from(payload, 'utf8');
  return Buffer.concat([createHmac('sha256', KEY).update(bytes).digest(), bytes]).toString(
    'base64url',
  );
}

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

/** A cursor as a client could build one: the payload without the service's signature. */
function unsigned(values: unknown[], print: string): string {
  return Buffer.from(JSON.stringify({ k: values, f: print }), 'utf8').toString('base64url');
}

describe('cursor codec', () => {
  test('round-trips every kind of key value', () => {
    const cursor = codec.encode(VALUES, PRINT);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(codec.decode(cursor, SORT, PRINT), VALUES);
  });

  test('keeps createdAt to the microsecond', () => {
    const [, , micros] = codec.decode(codec.encode(VALUES, PRINT), SORT, PRINT);
    assert.equal(micros, '1767225660123456');
  });

  test('a cursor for another sort or other filters is refused', () => {
    const cursor = codec.encode(VALUES, PRINT);
    invalid(
      () =>
        codec.decode(cursor, SORT, fingerprint('["-price,title,createdAt","category","audio"]')),
      /other sort or filter parameters/,
    );
  });

  test('a cursor the service did not sign is refused, however plausible', () => {
    const print = createHash('sha256')
      .update('["-price,title,createdAt"]')
      .digest('base64url')
      .slice(0, 11);
    assert.equal(print, PRINT, 'anyone can compute the fingerprint');
    const forged = [
      unsigned(VALUES, PRINT),
      // The unsigned payload behind 32 bytes of anything.
      Buffer.concat([
        randomBytes(32),
        Buffer.from(JSON.stringify({ k: VALUES, f: PRINT })),
      ]).toString('base64url'),
      // Signed under another key (another deployment, or a rotated data key).
      createCursorCodec(randomBytes(32)).encode(VALUES, PRINT),
    ];
    for (const cursor of forged) invalid(() => codec.decode(cursor, SORT, PRINT), /not issued/);
  });

  test('a genuine cursor with one byte changed is refused', () => {
    const bytes = Buffer.from(codec.encode(VALUES, PRINT), 'base64url');
    for (const at of [0, 40, bytes.length - 2]) {
      const tampered = Buffer.from(bytes);
      tampered[at] = tampered[at]! ^ 1;
      invalid(() => codec.decode(tampered.toString('base64url'), SORT, PRINT), /not issued/);
    }
  });

  test('malformed cursors are refused', () => {
    const bad = [
      'not base64!',
      Buffer.from('short').toString('base64url'),
      'A'.repeat(MAX_CURSOR_LENGTH + 1),
    ];
    for (const text of bad) invalid(() => codec.decode(text, SORT, PRINT), /malformed/);
  });

  test('signed payloads that are not a cursor object are refused', () => {
    for (const payload of ['not json', 'null', '[1,2]', JSON.stringify({ k: 'x', f: PRINT })]) {
      invalid(() => codec.decode(signed(payload), SORT, PRINT), /malformed/);
    }
  });

  test('values of the wrong type or out of their bounds are refused, even when signed', () => {
    const wrong = [
      ['12900', 'a', '1', '42'], // price as a string
      [12.5, 'a', '1', '42'], // price not an integer
      [-1, 'a', '1', '42'], // price below what a product can cost
      [2_147_483_648, 'a', '1', '42'], // price past int4
      [1, 2, '1', '42'], // title as a number
      [1, 'x\u0000y', '1', '42'], // title PostgreSQL cannot take
      [1, '', '1', '42'], // empty title
      [1, 'a', '2026-01-01T00:00:00Z', '42'], // createdAt not microseconds
      [1, 'a', '-9223372036854775808', '42'], // createdAt past any timestamp
      [1, 'a', '253402300800000000', '42'], // createdAt after the year 9999
      [1, 'a', '1', '0'], // id not a positive id
      [1, 'a', '1', '9999999999999999999'], // id past bigint
      [1, 'a', '1', '1; drop table products'],
      [1, 'a', '1'], // a key missing
    ];
    for (const values of wrong) {
      invalid(() => codec.decode(codec.encode(values, PRINT), SORT, PRINT), /malformed|other sort/);
    }
  });

  test('the list request binds the cursor to sort and filters, not to the page size', () => {
    const spec = (query: Record<string, string>) =>
      parseListRequest(productListQuery.parse(query), codec);
    const first = spec({ category: 'audio', sort: '-price' });
    const cursor = codec.encode([100, '7'], first.fingerprint);
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

describe('offset cursors (the list with q)', () => {
  const print = fingerprint('["q","audio","relevance"]');

  test('round trip, bound to the query they were issued for', () => {
    assert.equal(codec.decodeOffset(codec.encodeOffset(40, print), print), 40);
    invalid(
      () => codec.decodeOffset(codec.encodeOffset(40, print), fingerprint('["q","video"]')),
      /other q, sort or filter parameters/,
    );
  });

  test('a keyset cursor is not an offset cursor, nor the other way round', () => {
    invalid(() => codec.decodeOffset(codec.encode(VALUES, PRINT), print), /other q/);
    invalid(() => codec.decode(codec.encodeOffset(40, PRINT), SORT, PRINT), /malformed/);
  });

  test('forged, or signed with an offset out of bounds: 400', () => {
    const forged = createCursorCodec(randomBytes(32)).encodeOffset(40, print);
    invalid(() => codec.decodeOffset(forged, print), /not issued by this service/);
    for (const o of [-1, 1.5, 1_000_001, '40', null]) {
      invalid(
        () => codec.decodeOffset(signed(JSON.stringify({ o, f: print })), print),
        /malformed/,
      );
    }
  });
});
