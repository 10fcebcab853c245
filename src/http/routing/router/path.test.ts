import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BadPathReason,
  checkRequestPath,
  checkSegment,
  decodeComponent,
  encodeNonAscii,
  tryDecodeComponent,
} from './path.ts';

describe('checkRequestPath', () => {
  test('accepts ordinary paths', () => {
    for (const path of [
      '/',
      '/a',
      '/a/b/',
      '/a//b',
      '/a%20b',
      '/%E2%9C%93',
      '/...',
      '/.a/b.',
      '/a..b',
    ]) {
      assert.equal(checkRequestPath(path), null, path);
    }
  });

  test('refuses relative paths', () => {
    assert.equal(checkRequestPath(''), BadPathReason.notAbsolute);
    assert.equal(checkRequestPath('a/b'), BadPathReason.notAbsolute);
    assert.equal(checkRequestPath('*'), BadPathReason.notAbsolute);
  });

  test('refuses raw dot segments anywhere', () => {
    for (const path of ['/.', '/..', '/./a', '/a/../b', '/a/.', '/a/..']) {
      assert.equal(checkRequestPath(path), BadPathReason.dotSegment, path);
    }
  });

  test('refuses encoded dot segments in every spelling', () => {
    for (const path of ['/%2e', '/%2E', '/%2e%2e', '/%2E%2E', '/.%2e', '/%2e.', '/a/%2e%2e/b']) {
      assert.equal(checkRequestPath(path), BadPathReason.dotSegment, path);
    }
  });

  test('refuses dot segments hidden behind encoded separators', () => {
    for (const path of ['/..%2fetc', '/a%2F..', '/a%2f.%2fb', '/..%5cwin', '/a\\..\\b', '/..\\x']) {
      assert.equal(checkRequestPath(path), BadPathReason.dotSegment, path);
    }
  });

  test('refuses malformed percent-encoding', () => {
    for (const path of ['/%', '/%z', '/%zz', '/a%2', '/%E0%A4%A', '/%FF', '/%C0%AF', '/ok/%C3']) {
      assert.equal(checkRequestPath(path), BadPathReason.malformedEncoding, path);
    }
  });

  test('refuses NUL bytes, encoded or raw', () => {
    assert.equal(checkRequestPath('/a%00b'), BadPathReason.nulByte);
    assert.equal(checkRequestPath('/a\0b'), BadPathReason.nulByte);
  });

  test('checks every segment, not only the first or last', () => {
    assert.equal(checkRequestPath('/a/b/%zz/c/d'), BadPathReason.malformedEncoding);
    assert.equal(checkRequestPath('/a/b/../c/d'), BadPathReason.dotSegment);
  });
});

describe('checkSegment', () => {
  test('applies the request-path rules to one segment', () => {
    assert.equal(checkSegment('users'), null);
    assert.equal(checkSegment('caf%C3%A9'), null);
    assert.equal(checkSegment(''), null);
    assert.equal(checkSegment('..'), BadPathReason.dotSegment);
    assert.equal(checkSegment('%2e%2e'), BadPathReason.dotSegment);
    assert.equal(checkSegment('%zz'), BadPathReason.malformedEncoding);
    assert.equal(checkSegment('x%00'), BadPathReason.nulByte);
  });
});

describe('decoding', () => {
  test('decodeComponent returns the same string when there is nothing to decode', () => {
    const raw = 'plain-value';
    assert.equal(decodeComponent(raw), raw);
    assert.equal(decodeComponent('a%20b'), 'a b');
    assert.equal(decodeComponent('a+b'), 'a+b');
  });

  test('tryDecodeComponent reports malformed input as null', () => {
    assert.equal(tryDecodeComponent('%E6%97%A5'), '日');
    assert.equal(tryDecodeComponent('%E6%97'), null);
    assert.equal(tryDecodeComponent('%zz'), null);
    assert.equal(tryDecodeComponent('no-percent'), 'no-percent');
  });
});

describe('encodeNonAscii', () => {
  test('encodes only non-ASCII characters, as UTF-8 with upper-case hex', () => {
    assert.equal(encodeNonAscii('café'), 'caf%C3%A9');
    assert.equal(encodeNonAscii('日本'), '%E6%97%A5%E6%9C%AC');
    assert.equal(encodeNonAscii('😀x'), '%F0%9F%98%80x');
    assert.equal(encodeNonAscii('a%20b:c'), 'a%20b:c');
  });

  test('throws for a lone surrogate', () => {
    assert.throws(() => encodeNonAscii('a\ud800'), URIError);
  });
});
