import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasUtf8Charset, isJsonMediaType, isValidBoundary, parseMediaType } from './media-type.ts';

describe('parseMediaType (RFC 9110 §8.3.1)', () => {
  test('lower-cases type, subtype and parameter names but not values', () => {
    const parsed = parseMediaType('Multipart/Form-Data; Boundary=AbC');
    assert.equal(parsed?.essence, 'multipart/form-data');
    assert.deepEqual([...(parsed?.params ?? [])], [['boundary', 'AbC']]);
  });

  test('unescapes quoted strings and allows whitespace and empty parameters', () => {
    const parsed = parseMediaType('text/plain ;  charset="ut\\"f-8" ;; format=flowed;');
    assert.deepEqual(Object.fromEntries(parsed?.params ?? []), {
      charset: 'ut"f-8',
      format: 'flowed',
    });
  });

  test('rejects values outside the grammar', () => {
    for (const value of [
      '',
      'json',
      'application/',
      '/json',
      'application/json charset=utf-8',
      'application/json; charset',
      'application/json; charset=',
      'application/json; charset="utf-8',
      'application/json; charset=utf 8',
      'application/json; =x',
      'text/plain; a=1; A=2',
    ]) {
      assert.equal(parseMediaType(value), undefined, value);
    }
  });

  test('recognises JSON and +json types only', () => {
    const json = (value: string): boolean => isJsonMediaType(parseMediaType(value)!);
    assert.ok(json('application/json'));
    assert.ok(json('application/problem+json'));
    assert.ok(json('application/vnd.example.v2+JSON'));
    assert.ok(!json('application/jsonp'));
    assert.ok(!json('text/json5'));
  });

  test('accepts only utf-8 charsets', () => {
    const utf8 = (value: string): boolean => hasUtf8Charset(parseMediaType(value)!);
    assert.ok(utf8('application/json'));
    assert.ok(utf8('application/json; charset=UTF-8'));
    assert.ok(!utf8('application/json; charset=utf-16'));
    assert.ok(!utf8('application/json; charset=iso-8859-1'));
  });

  test('validates multipart boundaries (RFC 2046 §5.1.1)', () => {
    assert.ok(isValidBoundary('----WebKitFormBoundary7MA4YWxkTrZu0gW'));
    assert.ok(isValidBoundary("a'()+_,-./:=? b"));
    assert.ok(!isValidBoundary(''));
    assert.ok(!isValidBoundary('ends with space '));
    assert.ok(!isValidBoundary('x'.repeat(71)));
    assert.ok(!isValidBoundary('quote"inside'));
  });
});
