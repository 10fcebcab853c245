import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNonce, createSecurityHeaders } from './policy.ts';

function asMap(pairs: readonly (readonly [string, string])[]): Map<string, string> {
  return new Map(pairs.map(([name, value]) => [name, value]));
}

describe('base headers', () => {
  const security = createSecurityHeaders();

  test('strict defaults for API responses', () => {
    const h = asMap(security.base(false));
    assert.equal(h.get('x-content-type-options'), 'nosniff');
    assert.equal(h.get('referrer-policy'), 'strict-origin-when-cross-origin');
    assert.equal(h.get('x-frame-options'), 'DENY');
    assert.equal(h.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'");
    assert.equal(h.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(h.get('cross-origin-resource-policy'), 'same-origin');
  });

  test('HSTS only over TLS', () => {
    assert.equal(asMap(security.base(false)).has('strict-transport-security'), false);
    assert.equal(
      asMap(security.base(true)).get('strict-transport-security'),
      'max-age=31536000; includeSubDomains',
    );
  });

  test('arrays are precomputed and frozen', () => {
    assert.equal(security.base(true), security.base(true));
    assert.ok(Object.isFrozen(security.base(false)));
  });

  test('HSTS options: preload, disabled, invalid', () => {
    const preload = createSecurityHeaders({
      hsts: { maxAge: 63072000, includeSubDomains: true, preload: true },
    });
    assert.equal(
      asMap(preload.base(true)).get('strict-transport-security'),
      'max-age=63072000; includeSubDomains; preload',
    );
    const off = createSecurityHeaders({ hsts: false });
    assert.equal(asMap(off.base(true)).has('strict-transport-security'), false);
    assert.throws(
      () => createSecurityHeaders({ hsts: { preload: true, includeSubDomains: false } }),
      TypeError,
    );
    assert.throws(() => createSecurityHeaders({ hsts: { preload: true, maxAge: 60 } }), TypeError);
  });

  test("frame-ancestors 'self' maps to SAMEORIGIN; other origins drop X-Frame-Options", () => {
    const self = asMap(createSecurityHeaders({ frameAncestors: ["'self'"] }).base(false));
    assert.equal(self.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(self.get('content-security-policy'), "default-src 'none'; frame-ancestors 'self'");
    const partner = asMap(
      createSecurityHeaders({ frameAncestors: ["'self'", 'https://partner.example'] }).base(false),
    );
    assert.equal(partner.has('x-frame-options'), false);
    assert.match(
      partner.get('content-security-policy') ?? '',
      /frame-ancestors 'self' https:\/\/partner\.example$/,
    );
  });

  test('refuses sources that would inject directives', () => {
    assert.throws(
      () => createSecurityHeaders({ frameAncestors: ["'self'; script-src *"] }),
      TypeError,
    );
    assert.throws(() => createSecurityHeaders({ frameAncestors: [] }), TypeError);
  });
});

describe('html CSP', () => {
  test('carries the nonce in script-src and style-src, locks down the rest', () => {
    const nonce = createNonce();
    const csp = createSecurityHeaders().html(nonce);
    const directives = new Map(
      csp.split('; ').map((d) => {
        const [name = '', ...values] = d.split(' ');
        return [name, values.join(' ')];
      }),
    );
    assert.equal(directives.get('script-src'), `'self' 'nonce-${nonce}'`);
    assert.equal(directives.get('style-src'), `'self' 'nonce-${nonce}'`);
    assert.equal(directives.get('object-src'), "'none'");
    assert.equal(directives.get('base-uri'), "'none'");
    assert.equal(directives.get('frame-ancestors'), "'none'");
  });

  test('directives can be extended; frame-ancestors stays the configured one', () => {
    const csp = createSecurityHeaders({
      csp: {
        directives: {
          'img-src': ["'self'", 'https://cdn.example'],
          'upgrade-insecure-requests': [],
          'frame-ancestors': ['*'],
        },
      },
    }).html('abc=');
    assert.match(csp, /img-src 'self' https:\/\/cdn\.example/);
    assert.match(csp, /; upgrade-insecure-requests;/);
    assert.match(csp, /frame-ancestors 'none'$/);
  });

  test('a nonce that is not base64 is refused', () => {
    assert.throws(() => createSecurityHeaders().html("x'; script-src *"), TypeError);
  });
});

describe('files-only CSP', () => {
  test('own-origin files only: no nonce, no inline, whatever the html overrides say', () => {
    const csp = createSecurityHeaders({
      frameAncestors: ["'self'"],
      csp: { directives: { 'style-src': ["'self'", "'unsafe-inline'"] } },
    }).filesOnly();
    assert.doesNotMatch(csp, /unsafe-inline|nonce-/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self';/);
    assert.match(csp, /connect-src 'self';/);
    assert.match(csp, /object-src 'none';/);
    assert.match(csp, /frame-ancestors 'self'$/);
  });
});

test('createNonce: 16 random bytes in base64, different each time', () => {
  const a = createNonce();
  assert.equal(Buffer.from(a, 'base64').length, 16);
  assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(createNonce(), a);
});

describe('media origins', () => {
  test('an object store origin may serve images and receive uploads, nothing more', () => {
    const security = createSecurityHeaders({ mediaOrigins: ['https://s3.example.com:9000'] });
    const directives = new Map(
      security
        .filesOnly()
        .split('; ')
        .map((part) => [part.split(' ')[0]!, part.split(' ').slice(1)] as const),
    );
    assert.deepEqual(directives.get('img-src'), ["'self'", 'data:', 'https://s3.example.com:9000']);
    assert.deepEqual(directives.get('connect-src'), ["'self'", 'https://s3.example.com:9000']);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.match(
      security.html(createNonce()),
      /img-src 'self' data: https:\/\/s3\.example\.com:9000;/,
    );
    assert.doesNotMatch(security.filesOnly(), /unsafe-inline/);
  });

  test('only origins are accepted', () => {
    for (const bad of ["'unsafe-inline'", '*', 'https://s3.example.com/bucket', 'ftp://x', 'a;b']) {
      assert.throws(() => createSecurityHeaders({ mediaOrigins: [bad] }), TypeError, bad);
    }
  });
});
