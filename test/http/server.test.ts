// The listener layer over real sockets: ALPN on the TLS port, HSTS only over
// TLS, the https redirect, and the socket-level limits (slowloris, oversized
// headers, malformed requests) answered with problem+json before any handler runs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NodeRequest, NodeResponse } from '../../src/http/pipeline/context.ts';
import {
  h2Request,
  httpRequest,
  httpsRequest,
  parseRawResponse,
  rawExchange,
  type ParsedResponse,
} from '../support/clients.ts';
import { sendPipelined } from '../support/pipelined.ts';
import { start, startService, startTls, type Started } from '../support/start.ts';

const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

function hello(_req: NodeRequest, res: NodeResponse): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/plain');
  res.setHeader('content-length', '5');
  res.end('hello');
}

function assertProblem(response: ParsedResponse, status: number, code: string): void {
  assert.equal(response.status, status);
  assert.equal(response.headers['content-type'], PROBLEM_JSON);
  assert.equal(response.headers.connection, 'close');
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.requestId, response.headers['x-request-id']);
}

describe('TLS listener through the real service pipeline', () => {
  let service: Started;
  before(async () => {
    service = await startService({ tls: true });
  });
  after(() => service.close());

  test('HTTP/2 is negotiated by ALPN and serves the request with HSTS', async () => {
    const response = await h2Request(service.url, service.cert!, { path: '/livez' });
    assert.equal(response.protocol, 'h2');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok' });
    assert.match(String(response.headers['x-request-id']), /\S/);
    assert.match(String(response.headers['strict-transport-security']), /^max-age=\d+/);
  });

  test('HTTP/1.1 works on the same port when the client offers only http/1.1', async () => {
    const response = await httpsRequest(service.url, service.cert!, { path: '/livez' });
    assert.equal(response.protocol, 'http/1.1');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok' });
    assert.match(String(response.headers['strict-transport-security']), /^max-age=\d+/);
  });
});

test('plain HTTP carries the security headers but never HSTS', async (t) => {
  const service = await startService();
  t.after(() => service.close());
  const response = await httpRequest(service.url, { path: '/livez' });
  assert.equal(response.status, 200);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(response.headers['strict-transport-security'], undefined);
});

test('a refused request without a body keeps a pipelined connection open', async (t) => {
  const service = await startService();
  t.after(() => service.close());
  // Node marks a pipelined request complete only once the one before it is
  // answered; closing on every refusal then cost the requests behind it.
  const requests = Array.from({ length: 40 }, (_, i) => ({
    method: 'GET',
    path: i % 2 === 0 ? `/no/such/${i}` : `/api/v1/products/${9_000_000 + i}`,
  }));
  const statuses = await sendPipelined(service.url, requests, { connections: 1, depth: 40 });
  assert.deepEqual([...statuses], [[404, 40]]);
});

describe('redirect listener', () => {
  let tls: Started;
  before(async () => {
    tls = await startTls(hello, { redirectPort: 0 });
  });
  after(() => tls.close());

  test('answers 308 to the same path and query on the TLS port', async () => {
    const response = await httpRequest(tls.redirectUrl!, {
      method: 'POST',
      path: '/orders/7?expand=lines&x=%20',
      headers: { host: 'shop.example:8080' },
    });
    assert.equal(response.status, 308);
    assert.equal(
      response.headers.location,
      `https://shop.example:${tls.port}/orders/7?expand=lines&x=%20`,
    );
    assert.equal(response.body, '');
  });

  test('does not reflect a Host header that is not a plain host name', async () => {
    for (const host of ['evil.example@shop.example', 'evil.example/x', '[::1]:80', 'a b']) {
      const response = await httpRequest(tls.redirectUrl!, { path: '/p', headers: { host } });
      assert.equal(response.status, 308);
      assert.equal(response.headers.location, `https://127.0.0.1:${tls.port}/p`, host);
    }
  });

  test('ignores an absolute-form request target', async () => {
    const exchange = await rawExchange(
      Number(new URL(tls.redirectUrl!).port),
      'GET http://evil.example/x HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
    );
    const response = parseRawResponse(exchange.received);
    assert.equal(response.status, 308);
    assert.equal(response.headers.location, `https://shop.example:${tls.port}/`);
  });
});

// Each case runs against the plain listener and HTTP/1.1 over the TLS one:
// allowHTTP1 must give the same protection as node:http.
const listeners = [
  { name: 'plain HTTP/1.1', start, tls: false },
  { name: 'HTTP/1.1 over TLS', start: startTls, tls: true },
] as const;

for (const listener of listeners) {
  describe(`socket limits on ${listener.name}`, () => {
    let server: Started;
    let handled = 0;
    before(async () => {
      server = await listener.start(
        (req, res) => {
          handled += 1;
          hello(req, res);
        },
        { headersTimeoutMs: 300, requestTimeoutMs: 5_000, maxHeaderSize: 2048 },
      );
    });
    after(() => server.close());
    const exchange = (payload: string) =>
      rawExchange(server.port, payload, listener.tls ? { ca: server.cert! } : {});

    // The bound is far above headersTimeout but below Node's 30 s default
    // connectionsCheckingInterval, which server.ts must override.
    test(
      'a header block that never completes gets 408 and the connection is closed',
      { timeout: 10_000 },
      async () => {
        const before = handled;
        const result = await exchange('GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: a');
        assertProblem(parseRawResponse(result.received), 408, 'HTTP_REQUEST_TIMEOUT');
        assert.equal(result.endedByServer, true);
        assert.equal(handled, before, 'the handler never ran');
      },
    );

    test('a header larger than maxHeaderSize gets 431 and the connection is closed', async () => {
      const result = await exchange(
        `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
      );
      assertProblem(parseRawResponse(result.received), 431, 'HTTP_HEADERS_TOO_LARGE');
      assert.equal(result.endedByServer, true);
    });

    test('a malformed request line gets 400', async () => {
      const result = await exchange('NOT A REQUEST\r\n\r\n');
      assertProblem(parseRawResponse(result.received), 400, 'HTTP_BAD_REQUEST');
      assert.equal(result.endedByServer, true);
    });

    test('an HTTP/1.1 request without Host gets a 400 problem', async () => {
      const result = await exchange('GET / HTTP/1.1\r\n\r\n');
      assertProblem(parseRawResponse(result.received), 400, 'HTTP_BAD_REQUEST');
    });

    test('a well-formed request within the limits is served', async () => {
      const result = await exchange(
        'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      );
      const response = parseRawResponse(result.received);
      assert.equal(response.status, 200);
      assert.equal(response.body, 'hello');
    });
  });
}

test(
  'a TLS connection that never starts its handshake is closed',
  { timeout: 10_000 },
  async (t) => {
    const server = await startTls(hello, { headersTimeoutMs: 300, requestTimeoutMs: 5_000 });
    t.after(() => server.close());
    // Plain TCP with no ClientHello; Node's default handshakeTimeout is two minutes.
    const result = await rawExchange(server.port, '');
    assert.equal(result.received, '');
  },
);
