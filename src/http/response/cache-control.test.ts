import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheControl } from './cache-control.ts';

describe('cacheControl', () => {
  test('builds directives in a stable order', () => {
    assert.equal(
      cacheControl({ visibility: 'public', maxAge: 60, sMaxAge: 300, staleWhileRevalidate: 30 }),
      'public, max-age=60, s-maxage=300, stale-while-revalidate=30',
    );
    assert.equal(
      cacheControl({ visibility: 'public', maxAge: 31536000, immutable: true }),
      'public, max-age=31536000, immutable',
    );
    assert.equal(
      cacheControl({
        visibility: 'private',
        noCache: true,
        mustRevalidate: true,
        noTransform: true,
      }),
      'private, no-cache, must-revalidate, no-transform',
    );
    assert.equal(
      cacheControl({ maxAge: 0, proxyRevalidate: true, staleIfError: 600 }),
      'max-age=0, proxy-revalidate, stale-if-error=600',
    );
  });

  test('presets', () => {
    assert.equal(cacheControl.noStore, 'no-store');
    assert.equal(cacheControl.privateNoCache, 'private, no-cache');
    assert.equal(cacheControl({ noStore: true }), 'no-store');
    assert.equal(cacheControl({ visibility: 'private', noStore: true }), 'private, no-store');
  });

  test('no-store with any freshness directive throws', () => {
    for (const extra of [
      { maxAge: 60 },
      { sMaxAge: 60 },
      { staleWhileRevalidate: 60 },
      { staleIfError: 60 },
      { maxAge: 60, immutable: true },
    ]) {
      assert.throws(
        () => cacheControl({ noStore: true, ...extra }),
        TypeError,
        JSON.stringify(extra),
      );
    }
  });

  test('other contradictions throw', () => {
    assert.throws(() => cacheControl({ visibility: 'public', noStore: true }), TypeError);
    assert.throws(() => cacheControl({ noStore: true, noCache: true }), TypeError);
    assert.throws(() => cacheControl({ immutable: true }), TypeError);
    assert.throws(() => cacheControl({ maxAge: 60, immutable: true, noCache: true }), TypeError);
    assert.throws(() => cacheControl({ visibility: 'private', sMaxAge: 60 }), TypeError);
    assert.throws(() => cacheControl({ visibility: 'private', proxyRevalidate: true }), TypeError);
    assert.throws(() => cacheControl({}), TypeError);
  });

  test('ages must be non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32]) {
      assert.throws(() => cacheControl({ maxAge: bad }), RangeError, String(bad));
    }
  });
});
