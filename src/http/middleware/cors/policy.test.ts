import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCors, type CorsDecision } from './policy.ts';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

function headerMap(decision: CorsDecision): Map<string, string> {
  return new Map(decision.headers.map(([name, value]) => [name, value]));
}

function preflight(origin: string, method: string, requestHeaders?: string) {
  return {
    origin,
    'access-control-request-method': method,
    ...(requestHeaders === undefined ? {} : { 'access-control-request-headers': requestHeaders }),
  };
}

describe('origin list', () => {
  const cors = createCors({ origins: [APP, 'https://Other.Example:8443/'] });

  test('allowed origin on an actual request: reflected, exposed headers, Vary', () => {
    const decision = cors.evaluate('GET', { origin: APP });
    assert.equal(decision.kind, 'actual');
    const h = headerMap(decision);
    assert.equal(h.get('access-control-allow-origin'), APP);
    assert.equal(h.get('vary'), 'Origin');
    assert.match(h.get('access-control-expose-headers') ?? '', /\bx-request-id\b.*\betag\b/);
    assert.equal(h.has('access-control-allow-credentials'), false);
  });

  test('disallowed origin: no CORS headers at all, but still Vary: Origin', () => {
    const decision = cors.evaluate('GET', { origin: EVIL });
    assert.deepEqual(decision, { kind: 'none', headers: [['vary', 'Origin']] });
  });

  test('no Origin: not CORS, still Vary: Origin so caches keep answers apart', () => {
    assert.deepEqual(cors.evaluate('GET', {}), { kind: 'none', headers: [['vary', 'Origin']] });
  });

  test('compares scheme, host and port exactly; host case-insensitively', () => {
    assert.equal(cors.evaluate('GET', { origin: 'https://APP.example.com' }).kind, 'actual');
    assert.equal(cors.evaluate('GET', { origin: 'http://app.example.com' }).kind, 'none');
    assert.equal(cors.evaluate('GET', { origin: 'https://app.example.com:8443' }).kind, 'none');
    assert.equal(cors.evaluate('GET', { origin: 'https://app.example.com.evil' }).kind, 'none');
    assert.equal(cors.evaluate('GET', { origin: 'https://other.example:8443' }).kind, 'actual');
  });

  test('the null origin is refused unless listed', () => {
    assert.equal(cors.evaluate('GET', { origin: 'null' }).kind, 'none');
    const withNull = createCors({ origins: ['null'] });
    assert.equal(
      headerMap(withNull.evaluate('GET', { origin: 'null' })).get('access-control-allow-origin'),
      'null',
    );
  });

  test('preflight: methods, headers, max-age', () => {
    const decision = cors.evaluate(
      'OPTIONS',
      preflight(APP, 'PATCH', 'Content-Type, Idempotency-Key'),
    );
    assert.equal(decision.kind, 'preflight');
    const h = headerMap(decision);
    assert.equal(h.get('access-control-allow-origin'), APP);
    assert.equal(h.get('access-control-allow-methods'), 'GET, HEAD, PUT, PATCH, POST, DELETE');
    assert.match(
      h.get('access-control-allow-headers') ?? '',
      /\bcontent-type\b.*\bidempotency-key\b/,
    );
    assert.equal(h.get('access-control-max-age'), '86400');
    assert.equal(h.get('vary'), 'Origin');
  });

  test('preflight asking for a header not allowed is rejected without CORS headers', () => {
    const decision = cors.evaluate('OPTIONS', preflight(APP, 'POST', 'content-type, x-secret'));
    assert.deepEqual(decision, { kind: 'preflight-rejected', headers: [['vary', 'Origin']] });
  });

  test('preflight for a method not allowed, or from a disallowed origin, is rejected', () => {
    assert.equal(cors.evaluate('OPTIONS', preflight(APP, 'TRACE')).kind, 'preflight-rejected');
    assert.equal(cors.evaluate('OPTIONS', preflight(EVIL, 'GET')).kind, 'preflight-rejected');
  });

  test('OPTIONS without Access-Control-Request-Method is an actual request', () => {
    assert.equal(cors.evaluate('OPTIONS', { origin: APP }).kind, 'actual');
  });

  test('invalid configured origins throw', () => {
    for (const bad of [
      'app.example.com',
      'https://a.com/path',
      'https://*.a.com',
      'https://a.com?x',
      '*',
    ]) {
      assert.throws(() => createCors({ origins: [bad] }), TypeError, bad);
    }
  });
});

describe('wildcard', () => {
  test('without credentials: literal *, no Vary', () => {
    const cors = createCors({ origins: '*' });
    const decision = cors.evaluate('GET', { origin: EVIL });
    assert.equal(headerMap(decision).get('access-control-allow-origin'), '*');
    assert.equal(headerMap(decision).has('vary'), false);
    assert.deepEqual(cors.evaluate('GET', {}), { kind: 'none', headers: [] });
  });

  test('with credentials: reflects the origin, never *, and varies', () => {
    const cors = createCors({ origins: '*', credentials: true });
    for (const kind of ['actual', 'preflight'] as const) {
      const decision =
        kind === 'actual'
          ? cors.evaluate('POST', { origin: APP })
          : cors.evaluate('OPTIONS', preflight(APP, 'POST', 'authorization'));
      assert.equal(decision.kind, kind);
      const h = headerMap(decision);
      assert.equal(h.get('access-control-allow-origin'), APP);
      assert.equal(h.get('access-control-allow-credentials'), 'true');
      assert.equal(h.get('vary'), 'Origin');
    }
    assert.deepEqual(cors.evaluate('GET', {}), { kind: 'none', headers: [['vary', 'Origin']] });
  });

  test('the null origin is refused', () => {
    assert.equal(createCors({ origins: '*' }).evaluate('GET', { origin: 'null' }).kind, 'none');
  });
});

describe('predicate', () => {
  test('is consulted on every request and the origin reflected', () => {
    const allowed = new Set([APP]);
    const cors = createCors({ origins: (origin) => allowed.has(origin) });
    assert.equal(
      headerMap(cors.evaluate('GET', { origin: APP })).get('access-control-allow-origin'),
      APP,
    );
    allowed.delete(APP);
    assert.equal(cors.evaluate('GET', { origin: APP }).kind, 'none');
  });

  test('never sees the null origin', () => {
    const cors = createCors({ origins: () => true });
    assert.equal(cors.evaluate('GET', { origin: 'null' }).kind, 'none');
  });
});

describe('options', () => {
  test('custom lists, credentials and max-age', () => {
    const cors = createCors({
      origins: [APP],
      methods: ['get', 'post'],
      allowHeaders: ['X-Custom'],
      exposeHeaders: [],
      credentials: true,
      maxAge: 600,
    });
    const h = headerMap(cors.evaluate('OPTIONS', preflight(APP, 'POST', 'x-custom')));
    assert.equal(h.get('access-control-allow-methods'), 'GET, POST');
    assert.equal(h.get('access-control-allow-headers'), 'x-custom');
    assert.equal(h.get('access-control-allow-credentials'), 'true');
    assert.equal(h.get('access-control-max-age'), '600');
    assert.equal(
      headerMap(cors.evaluate('GET', { origin: APP })).has('access-control-expose-headers'),
      false,
    );
    assert.equal(cors.evaluate('OPTIONS', preflight(APP, 'PUT')).kind, 'preflight-rejected');
  });

  test('wildcards in name lists and bad max-age are refused', () => {
    assert.throws(() => createCors({ origins: '*', allowHeaders: ['*'] }), TypeError);
    assert.throws(() => createCors({ origins: '*', methods: ['GET, POST'] }), TypeError);
    assert.throws(() => createCors({ origins: '*', maxAge: -1 }), RangeError);
  });

  test('an absurd number of requested headers is rejected', () => {
    const cors = createCors({ origins: [APP] });
    const many = Array.from({ length: 100 }, () => 'content-type').join(',');
    assert.equal(cors.evaluate('OPTIONS', preflight(APP, 'POST', many)).kind, 'preflight-rejected');
  });
});
