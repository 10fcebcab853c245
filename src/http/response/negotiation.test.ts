import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import {
  createMediaTypeNegotiator,
  negotiateEncoding,
  negotiateMediaType,
  parseAccept,
  zstdAvailable,
} from './negotiation.ts';

describe('parseAccept', () => {
  test('orders by weight, then specificity, then header order', () => {
    const ranges = parseAccept(
      '*/*;q=0.1, text/*, text/html;level=1, text/html, application/json;q=0.9',
    );
    assert.deepEqual(
      ranges.map((r) => `${r.type}/${r.subtype}${Object.keys(r.params).length ? '+p' : ''};${r.q}`),
      ['text/html+p;1', 'text/html;1', 'text/*;1', 'application/json;0.9', '*/*;0.1'],
    );
  });

  test('lower-cases names, unquotes parameter values, stops params at q', () => {
    const [range] = parseAccept('Text/HTML; Charset="utf-8"; q=0.5; ext=1');
    assert.deepEqual(range, {
      type: 'text',
      subtype: 'html',
      params: { charset: 'utf-8' },
      q: 0.5,
    });
  });

  test('malformed weights read as q=0', () => {
    for (const q of ['abc', '1.5', '2', '0.1234', '-1', '']) {
      assert.equal(parseAccept(`text/html;q=${q}`)[0]?.q, 0, q);
    }
    assert.equal(parseAccept('text/html;q=1.000')[0]?.q, 1);
    assert.equal(parseAccept('text/html;q=0.005')[0]?.q, 0.005);
  });

  test('skips malformed members', () => {
    const ranges = parseAccept('html, */json, /x, text/, , application/json');
    assert.deepEqual(
      ranges.map((r) => `${r.type}/${r.subtype}`),
      ['application/json'],
    );
  });

  test('does not split inside quoted parameter values', () => {
    const ranges = parseAccept('text/plain;x="a,b", application/json');
    assert.equal(ranges.length, 2);
    assert.equal(ranges[0]?.params.x, 'a,b');
  });

  test('reads at most 64 members', () => {
    const header = Array.from({ length: 500 }, (_, i) => `x/t${i}`).join(',');
    assert.equal(parseAccept(header).length, 64);
  });

  test('absent header parses to nothing', () => {
    assert.deepEqual(parseAccept(undefined), []);
  });
});

describe('negotiateMediaType', () => {
  const offers = ['application/json', 'text/html'];

  test('absent, empty or unparseable Accept gets the first available', () => {
    assert.equal(negotiateMediaType(undefined, offers), 'application/json');
    assert.equal(negotiateMediaType('', offers), 'application/json');
    assert.equal(negotiateMediaType('garbage', offers), 'application/json');
  });

  test('exact match and wildcards', () => {
    assert.equal(negotiateMediaType('text/html', offers), 'text/html');
    assert.equal(negotiateMediaType('text/*', offers), 'text/html');
    assert.equal(negotiateMediaType('*/*', offers), 'application/json');
  });

  test('nothing acceptable → undefined', () => {
    assert.equal(negotiateMediaType('image/png', offers), undefined);
    assert.equal(negotiateMediaType('text/html', []), undefined);
  });

  test('higher weight wins over server order', () => {
    assert.equal(negotiateMediaType('application/json;q=0.5, text/html', offers), 'text/html');
  });

  test('ties keep the server order', () => {
    assert.equal(negotiateMediaType('text/html, application/json', offers), 'application/json');
  });

  test('q=0 excludes even when a wildcard would admit', () => {
    assert.equal(negotiateMediaType('application/json;q=0, */*', offers), 'text/html');
    assert.equal(negotiateMediaType('*/*;q=0', offers), undefined);
  });

  test('the most specific range decides the weight, not the highest', () => {
    // text/html is given 0.2 by its exact range even though text/* says 1.
    const accept = 'text/*, text/html;q=0.2, application/json;q=0.5';
    assert.equal(negotiateMediaType(accept, offers), 'application/json');
    // A wildcard with q=0 doesn't exclude an explicitly accepted type.
    assert.equal(negotiateMediaType('*/*;q=0, text/html', offers), 'text/html');
  });

  test('ranges with parameters match only offers carrying them', () => {
    const withCharset = ['text/plain;charset=utf-8', 'text/csv'];
    assert.equal(negotiateMediaType('text/plain;charset=UTF-8', withCharset), withCharset[0]);
    assert.equal(negotiateMediaType('text/plain;charset=latin1', withCharset), undefined);
    assert.equal(
      negotiateMediaType('text/plain;charset=utf-8;q=0, text/*', withCharset),
      'text/csv',
    );
  });

  test('duplicate equally specific ranges: the exclusion wins', () => {
    assert.equal(negotiateMediaType('text/html, text/html;q=0', ['text/html']), undefined);
  });

  test('rejects a wildcard offer (programmer error)', () => {
    assert.throws(() => negotiateMediaType('*/*', ['text/*']), TypeError);
  });

  test('the precomputed negotiator decides the same and caches', () => {
    const negotiate = createMediaTypeNegotiator(offers);
    for (const accept of [undefined, 'text/html', '*/*;q=0', 'text/*;q=0.3, */*;q=0.2']) {
      assert.equal(negotiate(accept), negotiateMediaType(accept, offers), String(accept));
      assert.equal(negotiate(accept), negotiateMediaType(accept, offers), String(accept));
    }
  });
});

describe('negotiateEncoding', () => {
  const all = ['br', 'zstd', 'gzip'] as const;

  test('absent or empty header → identity', () => {
    assert.equal(negotiateEncoding(undefined, all), 'identity');
    assert.equal(negotiateEncoding('', all), 'identity');
  });

  test('server order breaks ties between equal weights', () => {
    assert.equal(negotiateEncoding('gzip, deflate, br, zstd', all), 'br');
    assert.equal(negotiateEncoding('gzip, deflate, br, zstd', ['zstd', 'gzip']), 'zstd');
  });

  test('client weights come first', () => {
    assert.equal(negotiateEncoding('br;q=0.5, gzip', all), 'gzip');
    assert.equal(negotiateEncoding('BR;Q=0.5, GZip;q=0.8', all), 'gzip');
  });

  test('x-gzip means gzip', () => {
    assert.equal(negotiateEncoding('x-gzip', all), 'gzip');
  });

  test('unlisted codings are only acceptable through *', () => {
    assert.equal(negotiateEncoding('deflate', all), 'identity');
    assert.equal(negotiateEncoding('*', all), 'br');
    assert.equal(negotiateEncoding('br;q=0, *', all), 'zstd');
  });

  test('identity;q=0 and *;q=0 exclude identity', () => {
    assert.equal(negotiateEncoding('deflate, identity;q=0', all), undefined);
    assert.equal(negotiateEncoding('*;q=0', all), undefined);
    assert.equal(negotiateEncoding('*;q=0, identity', all), 'identity');
    assert.equal(negotiateEncoding('*;q=0, gzip', all), 'gzip');
  });

  test('identity with a higher explicit weight beats a coding', () => {
    assert.equal(negotiateEncoding('gzip;q=0.2, identity;q=0.8', all), 'identity');
    assert.equal(negotiateEncoding('gzip;q=0.8, identity;q=0.8', all), 'gzip');
  });

  test('no available codings → identity when acceptable', () => {
    assert.equal(negotiateEncoding('gzip', []), 'identity');
  });
});

test('zstdAvailable reflects node:zlib', () => {
  assert.equal(zstdAvailable, typeof zlib.zstdCompress === 'function');
});
