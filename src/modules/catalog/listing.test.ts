// The list's request rules and envelope, without HTTP or a database: the 400s
// the schema cannot express, and the links of both paging modes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAppError } from '../../errors/index.ts';
import { randomBytes } from 'node:crypto';
import { createCursorCodec } from './cursor.ts';
import { listEnvelope, parseListRequest, type ListSpec } from './listing.ts';
import { productListQuery } from './schemas.ts';

const cursors = createCursorCodec(randomBytes(32));

const spec = (query: Record<string, string>): ListSpec =>
  parseListRequest(productListQuery.parse(query), cursors);

function fails(query: Record<string, string>, code: string, fields: string[]): void {
  assert.throws(
    () => spec(query),
    (error: unknown) => {
      assert.ok(isAppError(error));
      assert.equal(error.code, code);
      assert.equal(error.status, 400);
      assert.deepEqual(
        error.errors?.map((e) => `${e.in}.${e.field}`),
        fields.map((field) => `query.${field}`),
      );
      return true;
    },
  );
}

const page = <T>(items: T[], hasMore: boolean, total: number) => ({
  items,
  hasMore,
  total,
  last: hasMore ? [500, '9'] : undefined,
});

describe('parseListRequest', () => {
  test('minPrice above maxPrice names both parameters', () => {
    fails({ minPrice: '500', maxPrice: '499' }, 'CATALOG_INVALID_RANGE', ['minPrice', 'maxPrice']);
    assert.equal(spec({ minPrice: '500', maxPrice: '500' }).filters.minPrice, 500);
  });

  test('page and after together name both parameters', () => {
    fails({ page: '2', after: 'x' }, 'CATALOG_PAGINATION_CONFLICT', ['page', 'after']);
  });

  test('defaults: cursor mode, first page, 20 per page, by id', () => {
    const parsed = spec({});
    assert.equal(parsed.page, undefined);
    assert.equal(parsed.after, undefined);
    assert.equal(parsed.limit, 20);
    assert.deepEqual(parsed.sort, [{ field: 'id', direction: 'asc' }]);
  });
});

describe('listEnvelope', () => {
  test('offset mode: page numbers in meta and links, prev from page 2 on', () => {
    const query = { category: 'audio', sort: '-price,title', limit: '2', page: '2' };
    const envelope = listEnvelope(
      '/api/v1/products',
      spec(query),
      page(['a', 'b'], true, 7),
      cursors,
    );
    assert.deepEqual(envelope.meta, { page: 2, limit: 2, total: 7, hasMore: true });
    assert.deepEqual(envelope.links, {
      self: '/api/v1/products?category=audio&sort=-price,title&limit=2&page=2',
      next: '/api/v1/products?category=audio&sort=-price,title&limit=2&page=3',
      prev: '/api/v1/products?category=audio&sort=-price,title&limit=2&page=1',
    });
    const first = listEnvelope('/x', spec({ page: '1' }), page([], false, 0), cursors);
    assert.equal(first.links.prev, null);
    assert.equal(first.links.next, null);
  });

  test('cursor mode: page and prev are null, next carries the last row as a cursor', () => {
    const parsed = spec({ sort: '-price', tag: 'sale', minPrice: '100' });
    const envelope = listEnvelope('/api/v2/products', parsed, page(['a'], true, 40), cursors);
    assert.deepEqual(envelope.meta, { page: null, limit: 20, total: 40, hasMore: true });
    assert.equal(envelope.links.prev, null);
    assert.equal(
      envelope.links.self,
      '/api/v2/products?minPrice=100&tag=sale&sort=-price&limit=20',
    );
    const next = new URL(envelope.links.next!, 'http://x');
    const after = next.searchParams.get('after')!;
    assert.deepEqual(cursors.decode(after, parsed.sort, parsed.fingerprint), [500, '9']);
    const second = spec(Object.fromEntries(next.searchParams));
    assert.deepEqual(second.after, [500, '9']);
    const secondEnvelope = listEnvelope(
      '/api/v2/products',
      second,
      page(['b'], false, 40),
      cursors,
    );
    assert.equal(secondEnvelope.links.self, envelope.links.next);
    assert.equal(secondEnvelope.links.next, null);
  });

  test('filter values are percent-encoded in links', () => {
    const envelope = listEnvelope('/p', spec({ tag: 'a&b=c d' }), page([], false, 0), cursors);
    assert.equal(envelope.links.self, '/p?tag=a%26b%3Dc%20d&limit=20');
  });
});
