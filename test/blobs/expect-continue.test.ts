// `Expect: 100-continue` on presigned uploads, over raw sockets: the client
// announces its body and waits. An upload its route refuses (too large, bad
// signature, wrong type) gets its final status with no `100 Continue` and
// without a byte of the body sent, and the connection is closed (the peer
// may still send what it announced); a good one gets 100, sends, and gets
// 204 on a connection that stays usable; a JSON route gets its body after
// the 100 as any client that waits would send it. Another expectation is 417. The
// same over HTTP/2, where the 100 is an informational HEADERS frame.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalDiskBlobStore } from '../../src/adapters/blobs/local-disk.ts';
import { deriveKey } from '../../src/platform/data-key.ts';
import { SERVERNAME, parseRawResponse, rawExchange } from '../support/clients.ts';
import { eventually } from '../support/eventually.ts';
import { startService, type StartedService } from '../support/start.ts';

const DATA_KEY = randomBytes(32);
const env = { DATA_ENCRYPTION_KEY: DATA_KEY.toString('base64') };
const SIZE = 4096;

function storeOf(service: StartedService) {
  return createLocalDiskBlobStore({
    dir: join(service.dataDir, 'blobs'),
    signingKey: deriveKey(DATA_KEY, 'blob-urls'),
  });
}

/** The path and query of a fresh upload URL for `key`, signed for SIZE bytes of image/png. */
async function signedPath(service: StartedService, key: string): Promise<string> {
  const signed = await storeOf(service).presignUpload(key, {
    contentType: 'image/png',
    size: SIZE,
    expiresInSeconds: 600,
  });
  const url = new URL(signed.url, service.url);
  return `${url.pathname}${url.search}`;
}

function head(path: string, headers: Record<string, string>): string {
  const lines = [`PUT ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A raw connection whose received bytes can be awaited piece by piece. */
function openRaw(port: number) {
  const socket = net.connect({ port, host: '127.0.0.1' });
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  return {
    socket,
    received: () => received,
    closed,
    async until(pattern: RegExp): Promise<string> {
      return eventually(`the server sent ${String(pattern)}`, () =>
        pattern.test(received) ? received : undefined,
      );
    },
  };
}

describe('Expect: 100-continue over HTTP/1.1', () => {
  let service: StartedService;
  before(async () => {
    service = await startService({ env });
  });
  after(() => service.close());

  test('an oversized upload is 413 with no 100, and the connection is closed', async () => {
    const path = await signedPath(service, 'tests/expect/large.png');
    // 50 MB announced, nothing sent: the answer must come anyway.
    const { received, endedByServer } = await rawExchange(
      service.port,
      head(path, {
        'content-type': 'image/png',
        'content-length': '50000000',
        expect: '100-continue',
      }),
    );
    assert.doesNotMatch(received, /100 Continue/);
    const response = parseRawResponse(received);
    assert.equal(response.status, 413);
    assert.equal(response.headers['connection'], 'close');
    assert.equal((JSON.parse(response.body) as { code: string }).code, 'BLOBS_TOO_LARGE');
    assert.ok(endedByServer);
  });

  test('a bad signature is 403 and another content type 415, neither with a 100', async () => {
    const path = await signedPath(service, 'tests/expect/refused.png');
    const cases = [
      { path: path.replace(/signature=[^&]+/, 'signature=AAAA'), type: 'image/png', status: 403 },
      { path, type: 'text/html', status: 415 },
    ];
    for (const { path: target, type, status } of cases) {
      const { received } = await rawExchange(
        service.port,
        head(target, {
          'content-type': type,
          'content-length': String(SIZE),
          expect: '100-continue',
        }),
      );
      assert.doesNotMatch(received, /100 Continue/, target);
      assert.equal(parseRawResponse(received).status, status, received);
    }
  });

  test('a good upload gets 100, then 204, and the connection stays open', async () => {
    const key = 'tests/expect/good.png';
    const path = await signedPath(service, key);
    const connection = openRaw(service.port);
    try {
      connection.socket.write(
        head(path, {
          'content-type': 'image/png',
          'content-length': String(SIZE),
          expect: '100-continue',
        }),
      );
      await connection.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      // Nothing final before the body: the route is waiting for it.
      assert.doesNotMatch(connection.received(), /HTTP\/1\.1 2/);
      connection.socket.write(randomBytes(SIZE));
      await connection.until(/HTTP\/1\.1 204 /);
      assert.equal((await storeOf(service).head(key))?.size, SIZE);
      // Kept alive: a second request on the same connection is answered.
      connection.socket.write('GET /livez HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      await connection.until(/HTTP\/1\.1 204 [^]*HTTP\/1\.1 200 /);
    } finally {
      connection.socket.destroy();
    }
  });

  test('a JSON route reads its body after the 100 and answers as usual', async () => {
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'not the password' });
    const connection = openRaw(service.port);
    try {
      const request = head('/api/v1/auth/login', {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        expect: '100-continue',
      });
      connection.socket.write(request.replace(/^PUT /, 'POST '));
      await connection.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      connection.socket.write(body);
      await connection.until(/HTTP\/1\.1 401 /);
    } finally {
      connection.socket.destroy();
    }
  });

  test('any other expectation is 417 with a problem body', async () => {
    const { received, endedByServer } = await rawExchange(
      service.port,
      head('/blobs/tests/any.png', { 'content-length': '10', expect: 'something-else' }),
    );
    const response = parseRawResponse(received);
    assert.equal(response.status, 417);
    assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal((JSON.parse(response.body) as { code: string }).code, 'HTTP_EXPECTATION_FAILED');
    assert.ok(endedByServer);
  });
});

describe('Expect: 100-continue over HTTP/2', () => {
  let service: StartedService;
  let session: http2.ClientHttp2Session;
  before(async () => {
    service = await startService({ env, tls: true });
    session = http2.connect(service.url, { ca: service.cert!, servername: SERVERNAME });
  });
  after(async () => {
    session.close();
    await service.close();
  });

  /** Opens a PUT stream with `Expect: 100-continue`; records whether a 100 came. */
  function put(path: string, headers: Record<string, string>) {
    const stream = session.request(
      { ':method': 'PUT', ':path': path, expect: '100-continue', ...headers },
      { endStream: false },
    );
    let continued = false;
    stream.once('continue', () => (continued = true));
    const response = new Promise<number>((resolve, reject) => {
      stream.once('response', (answer) => {
        resolve(Number(answer[':status']));
      });
      stream.once('error', reject);
    });
    return { stream, response, continued: () => continued };
  }

  test('an oversized upload is 413 with no 100', async () => {
    const path = await signedPath(service, 'tests/expect/h2-large.png');
    const exchange = put(path, { 'content-type': 'image/png', 'content-length': '50000000' });
    assert.equal(await exchange.response, 413);
    assert.equal(exchange.continued(), false);
    exchange.stream.close();
  });

  test('any other expectation is 417 with a problem body', async () => {
    const stream = session.request(
      { ':method': 'PUT', ':path': '/blobs/tests/any.png', expect: 'something-else' },
      { endStream: false },
    );
    const [status, body] = await Promise.all([
      new Promise<number>((resolve) => {
        stream.once('response', (answer) => {
          resolve(Number(answer[':status']));
        });
      }),
      new Promise<string>((resolve) => {
        let text = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => (text += chunk));
        stream.once('end', () => {
          resolve(text);
        });
      }),
    ]);
    assert.equal(status, 417);
    assert.equal((JSON.parse(body) as { code: string }).code, 'HTTP_EXPECTATION_FAILED');
    stream.close();
  });

  test('a good upload gets 100, then 204', async () => {
    const key = 'tests/expect/h2-good.png';
    const exchange = put(await signedPath(service, key), {
      'content-type': 'image/png',
      'content-length': String(SIZE),
    });
    await new Promise((resolve) => exchange.stream.once('continue', resolve));
    exchange.stream.end(randomBytes(SIZE));
    assert.equal(await exchange.response, 204);
    exchange.stream.resume();
    assert.equal((await storeOf(service).head(key))?.size, SIZE);
  });
});
