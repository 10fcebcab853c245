// Sort parsing: the allow-list, directions, the id tiebreaker and the
// canonical form links are built from.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAppError } from '../../errors/index.ts';
import { formatSort, formatTextSort, parseSort, parseTextSort, type SortKey } from './sort.ts';

const keys = (text: string | undefined) =>
  parseSort(text).map((key) => `${key.direction === 'desc' ? '-' : '+'}${key.field}`);

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseSort(text),
    (error: unknown) => {
      assert.ok(isAppError(error));
      assert.equal(error.code, 'CATALOG_INVALID_SORT');
      assert.equal(error.status, 400);
      assert.deepEqual(
        error.errors?.map((e) => `${e.in}.${e.field}`),
        ['query.sort'],
      );
      assert.match(error.detail ?? '', pattern);
      return true;
    },
    text,
  );
}

describe('parseSort', () => {
  test('defaults to id ascending', () => {
    assert.deepEqual(keys(undefined), ['+id']);
  });

  test('reads several keys with their directions and appends the id tiebreaker', () => {
    assert.deepEqual(keys('-price,title'), ['-price', '+title', '+id']);
    assert.deepEqual(keys('stock,-createdAt'), ['+stock', '-createdAt', '-id']);
  });

  test('the tiebreaker follows the last key, so one-direction orders match an index', () => {
    assert.deepEqual(keys('-price'), ['-price', '-id']);
    assert.deepEqual(keys('price'), ['+price', '+id']);
  });

  test('an explicit id ends the order and is not added twice', () => {
    assert.deepEqual(keys('price,-id'), ['+price', '-id']);
    assert.deepEqual(keys('-id'), ['-id']);
  });

  test('refuses unknown, repeated and empty keys, and keys after id', () => {
    rejects(
      'colour',
      /cannot sort by "colour"; sortable fields: price, title, createdAt, stock, id/,
    );
    rejects('price_amount', /cannot sort by/);
    rejects('price,-price', /named more than once/);
    rejects('price,,title', /empty/);
    rejects('', /empty/);
    rejects('-', /empty/);
    rejects('id,price', /no sort key can follow it/);
  });

  test('does not echo a long hostile field name whole', () => {
    rejects('x'.repeat(500), /cannot sort by "x{40}"/);
  });
});

describe('formatSort', () => {
  const roundTrip = (text: string) => formatSort(parseSort(text));

  test('leaves out a tiebreaker parseSort adds back, keeps one it would not', () => {
    assert.equal(roundTrip('-price,title'), '-price,title');
    assert.equal(roundTrip('-price'), '-price');
    assert.equal(roundTrip('price,-id'), 'price,-id');
    assert.equal(roundTrip('id'), 'id');
    assert.equal(roundTrip('-id'), '-id');
  });

  test('parseSort(formatSort(keys)) gives the keys back', () => {
    for (const text of ['title,-stock', 'createdAt', '-price,-title', 'stock,id', 'price,-id']) {
      const parsed: readonly SortKey[] = parseSort(text);
      assert.deepEqual(parseSort(formatSort(parsed)), parsed, text);
    }
  });
});

describe('the order of a list with q', () => {
  test('relevance by default, the engine sorts by their list names, and back', () => {
    assert.equal(parseTextSort(undefined), 'relevance');
    assert.equal(parseTextSort('price'), 'price');
    assert.equal(parseTextSort('-price'), '-price');
    assert.equal(parseTextSort('-createdAt'), 'newest');
    for (const sort of ['relevance', 'price', '-price', 'newest'] as const) {
      const text = formatTextSort(sort);
      assert.equal(parseTextSort(text), sort);
    }
  });

  test('any other sort is CATALOG_INVALID_SORT', () => {
    for (const text of ['title', 'price,id', 'createdAt', '', 'toString', '__proto__']) {
      assert.throws(
        () => parseTextSort(text),
        (error: unknown) => isAppError(error) && error.code === 'CATALOG_INVALID_SORT',
        text,
      );
    }
  });
});
