// What goes back: negotiation (406), compression with Vary, ETags and
// conditional requests (304/412/428), deprecation and Server-Timing headers,
// security headers and CORS — all through the real pipeline and sockets.

import assert from 'node:assert/strict';
import http from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { z } from 'zod';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { compression } from '../../src/http/middleware/compression/compression.ts';
import { cors } from '../../src/http/middleware/cors/cors.ts';
import { securityHeaders } from '../../src/http/middleware/security-headers/security-headers.ts';
import { negotiate } from '../../src/http/response/produces.ts';
import { zstdAvailable } from '../../src/http/response/negotiation.ts';
import { checkPreconditions } from '../../src/http/response/preconditions.ts';
import { createSecurityHeaders } from '../../src/http/middleware/security-headers/policy.ts';
import { rawRequest, serve, type Harness } from './harness.ts';

const script = 'console.log("a line of a script");\n'.repeat(500);
const big = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item number ${i}` })) };

/** Reads a response without letting the client decode it (fetch would). */
function getRaw(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(url, { headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
          });
        })
        .on('error', reject);
    },
  );
}

describe('responses over HTTP', () => {
  let h: Harness;
  let version = 1;

  before(async () => {
    h = await serve((app) => {
      app.use(
        accessLog(),
        cors({ origins: ['https://app.example.com'], credentials: true }),
        securityHeaders(createSecurityHeaders()),
        compression(),
      );
      app.get('/big', () => big, { auth: 'public' });
      app.get('/small', () => ({ ok: true }), { auth: 'public' });
      // A file as the docs assets send one: streamed, its size said up front.
      app.get(
        '/file.js',
        (c) => {
          c.set('content-length', String(Buffer.byteLength(script)));
          c.stream(Readable.from([script]), 'text/javascript; charset=utf-8');
        },
        { auth: 'public', produces: ['*/*'] },
      );
      app.route({
        method: 'GET',
        path: '/report',
        auth: 'public',
        produces: ['application/json', 'text/csv'],
        handler: (c) => {
          const type = negotiate(c, ['application/json', 'text/csv']);
          if (type === 'text/csv') {
            c.body = 'a,b\n1,2\n';
            c.set('content-type', 'text/csv');
            return;
          }
          return { a: 1, b: 2 };
        },
      });
      app.route({
        method: 'GET',
        path: '/json-only',
        auth: 'public',
        schema: { responses: { 200: z.object({ ok: z.boolean() }) } },
        handler: () => ({ ok: true }),
      });
      app.route({
        method: 'PUT',
        path: '/doc',
        auth: 'public',
        handler: (c) => {
          checkPreconditions(c, { etag: `"v${version}"` }, { requireIfMatch: true });
          version += 1;
          c.set('etag', `"v${version}"`);
          return { version };
        },
      });
      app.get('/v1/things', () => ({ v: 1 }), {
        auth: 'public',
        deprecated: {
          since: new Date('2026-01-01T00:00:00Z'),
          sunset: new Date('2027-01-01T00:00:00Z'),
          successor: '/v2/things',
        },
      });
    });
  });

  after(() => h.close());

  test('406 when Accept rules out every representation; q-values pick the winner', async () => {
    const none = await fetch(`${h.url}/json-only`, { headers: { accept: 'text/html' } });
    assert.equal(none.status, 406);
    assert.equal(((await none.json()) as { code: string }).code, 'HTTP_NOT_ACCEPTABLE');
    const csv = await fetch(`${h.url}/report`, {
      headers: { accept: 'application/json;q=0.5, text/csv;q=0.9' },
    });
    assert.equal(csv.headers.get('content-type'), 'text/csv');
    assert.match(csv.headers.get('vary') ?? '', /Accept/);
    const json = await fetch(`${h.url}/report`, { headers: { accept: '*/*' } });
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  for (const [encoding, decode] of [
    ['br', zlib.brotliDecompressSync],
    ['gzip', zlib.gunzipSync],
    ...(zstdAvailable ? [['zstd', zlib.zstdDecompressSync] as const] : []),
  ] as const) {
    test(`large bodies are compressed with ${encoding} when asked`, async () => {
      const res = await getRaw(`${h.url}/big`, { 'accept-encoding': encoding });
      assert.equal(res.headers['content-encoding'], encoding);
      assert.match(String(res.headers.vary), /Accept-Encoding/);
      assert.deepEqual(JSON.parse(decode(res.body).toString('utf8')), big);
      assert.ok(res.body.length < JSON.stringify(big).length / 3);
      // A re-encoded body can't keep a strong validator.
      assert.match(String(res.headers.etag), /^W\/"/);
    });
  }

  test('a streamed file with a length the handler set arrives whole once compressed', async () => {
    // The length counts the file's own bytes; kept beside the shorter
    // encoded body, the client would wait for the rest until it timed out.
    const res = await getRaw(`${h.url}/file.js`, { 'accept-encoding': 'br' });
    assert.equal(res.headers['content-encoding'], 'br');
    assert.equal(res.headers['content-length'], undefined);
    assert.equal(zlib.brotliDecompressSync(res.body).toString('utf8'), script);
    const identity = await getRaw(`${h.url}/file.js`, { 'accept-encoding': 'identity' });
    assert.equal(identity.headers['content-length'], String(Buffer.byteLength(script)));
    assert.equal(identity.body.toString('utf8'), script);
  });

  test('small bodies and identity requests are not compressed', async () => {
    const small = await getRaw(`${h.url}/small`, { 'accept-encoding': 'br, gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.match(String(small.headers.vary), /Accept-Encoding/);
    const identity = await getRaw(`${h.url}/big`, { 'accept-encoding': 'identity' });
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(identity.body.toString('utf8')), big);
  });

  test('GET responses carry an ETag; If-None-Match gives 304 with no body', async () => {
    const first = await getRaw(`${h.url}/small`, {});
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[^"]+"$/);
    const again = await getRaw(`${h.url}/small`, { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers.etag, etag);
    const weak = await getRaw(`${h.url}/small`, { 'if-none-match': `W/${etag}` });
    assert.equal(weak.status, 304, 'If-None-Match uses weak comparison');
    const compressed = await getRaw(`${h.url}/big`, { 'accept-encoding': 'gzip' });
    const revalidated = await getRaw(`${h.url}/big`, {
      'accept-encoding': 'gzip',
      'if-none-match': String(compressed.headers.etag),
    });
    assert.equal(revalidated.status, 304);
    const changed = await getRaw(`${h.url}/small`, { 'if-none-match': '"other"' });
    assert.equal(changed.status, 200);
  });

  test('If-Match on a GET with a stale tag is a 412', async () => {
    const res = await getRaw(`${h.url}/small`, { 'if-match': '"stale"' });
    assert.equal(res.status, 412);
  });

  test('writes require If-Match (428) and refuse a stale one (412)', async () => {
    const missing = await fetch(`${h.url}/doc`, { method: 'PUT' });
    assert.equal(missing.status, 428);
    assert.equal(((await missing.json()) as { code: string }).code, 'HTTP_PRECONDITION_REQUIRED');
    const current = `"v${version}"`;
    const ok = await fetch(`${h.url}/doc`, { method: 'PUT', headers: { 'if-match': current } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('etag'), `"v${version}"`);
    const stale = await fetch(`${h.url}/doc`, { method: 'PUT', headers: { 'if-match': current } });
    assert.equal(stale.status, 412);
    assert.equal(((await stale.json()) as { code: string }).code, 'HTTP_PRECONDITION_FAILED');
  });

  test('deprecated routes announce Deprecation, Sunset and the successor', async () => {
    const res = await fetch(`${h.url}/v1/things`);
    assert.equal(res.headers.get('deprecation'), `@${Date.parse('2026-01-01T00:00:00Z') / 1000}`);
    assert.equal(res.headers.get('sunset'), 'Fri, 01 Jan 2027 00:00:00 GMT');
    assert.match(res.headers.get('link') ?? '', /<\/v2\/things>; rel="successor-version"/);
  });

  test('the access log writes one line per request, keyed by its request id and route', async () => {
    const res = await fetch(`${h.url}/small`, {
      headers: { 'x-request-id': 'access-log-1', 'user-agent': 'probe/1' },
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const lines = h.logs.filter((l) => l.reqId === 'access-log-1' && l.msg === 'request');
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, 'info');
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/small');
    assert.equal(line.path, '/small');
    assert.equal(line.status, 200);
    assert.equal(line.userAgent, 'probe/1');
    assert.equal(typeof line.durationMs, 'number');
    // The request id comes before the line's own fields, where a child logger's binding would put it.
    const keys = Object.keys(line);
    assert.ok(keys.indexOf('reqId') < keys.indexOf('method'), keys.join(','));
  });

  test('Server-Timing reports the time spent in the app', async () => {
    const res = await fetch(`${h.url}/small`);
    assert.match(res.headers.get('server-timing') ?? '', /^app;dur=\d+(\.\d)?$/);
  });

  test('security headers are on every response, errors included; no HSTS over plain HTTP', async () => {
    for (const path of ['/small', '/missing']) {
      const res = await rawRequest(h.url, { path });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.ok(res.headers['referrer-policy']);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(res.headers['strict-transport-security'], undefined);
    }
  });

  test('CORS preflight from an allowed origin is answered with the policy', async () => {
    const res = await rawRequest(h.url, {
      method: 'OPTIONS',
      path: '/doc',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type, if-match',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    assert.match(String(res.headers['access-control-allow-methods']), /PUT/);
    assert.match(String(res.headers['access-control-allow-headers']), /if-match/i);
    assert.ok(Number(res.headers['access-control-max-age']) > 0);
    assert.match(String(res.headers.vary), /Origin/);
  });

  test('a disallowed origin gets no CORS headers at all', async () => {
    const actual = await rawRequest(h.url, {
      path: '/small',
      headers: { origin: 'https://evil.example.net' },
    });
    assert.equal(actual.status, 200);
    assert.equal(actual.headers['access-control-allow-origin'], undefined);
    const preflight = await rawRequest(h.url, {
      method: 'OPTIONS',
      path: '/doc',
      headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'PUT' },
    });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-methods'], undefined);
  });

  test('actual cross-origin requests expose the headers clients need, on errors too', async () => {
    const res = await rawRequest(h.url, {
      path: '/missing',
      headers: { origin: 'https://app.example.com' },
    });
    assert.equal(res.status, 404);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.match(String(res.headers['access-control-expose-headers']), /x-request-id/i);
  });
});
