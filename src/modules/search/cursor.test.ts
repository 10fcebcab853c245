import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AppError } from '../../errors/index.ts';
import { createSearchCursorCodec, MAX_SEARCH_DEPTH } from './cursor.ts';

const codec = createSearchCursorCodec(randomBytes(32));

function refused(fn: () => unknown): void {
  assert.throws(fn, (error) => error instanceof AppError && error.code === 'SEARCH_INVALID_CURSOR');
}

test('a cursor round-trips for its own query', () => {
  assert.equal(codec.decode(codec.encode(40, 'print'), 'print'), 40);
});

test('refuses a cursor of another query, another key, or tampered with', () => {
  const cursor = codec.encode(40, 'print');
  refused(() => codec.decode(cursor, 'other'));
  refused(() => createSearchCursorCodec(randomBytes(32)).decode(cursor, 'print'));
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[bytes.length - 3]! ^= 1;
  refused(() => codec.decode(bytes.toString('base64url'), 'print'));
  for (const text of ['', 'not base64!', 'AAAA', 'A'.repeat(500)])
    refused(() => codec.decode(text, 'print'));
});

test('refuses offsets past the depth limit, even when signed', () => {
  refused(() => codec.decode(codec.encode(MAX_SEARCH_DEPTH, 'print'), 'print'));
  refused(() => codec.decode(codec.encode(-1, 'print'), 'print'));
});
