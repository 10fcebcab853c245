// Graceful shutdown over real sockets: once close() starts, new connections
// are refused, in-flight requests finish (told to close their connection),
// idle keep-alive connections and HTTP/2 sessions are let go at once, and
// whatever is still running after the grace period is cut.

import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { createApp, type App } from '../../src/http/app.ts';
import { httpRequest, httpsRequest, SERVERNAME, type ClientResponse } from '../support/clients.ts';
import { silentLogger, start, startTls, type Started } from '../support/start.ts';

/** Longer than any test may take: a close() that waited for it would time the test out. */
const LONG_GRACE_MS = 120_000;
const TEST_TIMEOUT_MS = 20_000;

/** A handler that parks until the test lets it go, and says when it has started. */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const started = new Promise<void>((resolve) => (entered = resolve));
  return { release, started, entered, released };
}

function slowApp(onRequest: () => Promise<void>): App {
  const app = createApp({ logger: silentLogger() });
  app.get(
    '/slow',
    async (c) => {
      await onRequest();
      c.text('done');
    },
    { auth: 'public', etag: false },
  );
  app.get('/fast', (c) => c.text('fast'), { auth: 'public', etag: false });
  return app;
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

async function shutdown(app: App, server: Started, graceMs: number): Promise<void> {
  app.startDraining();
  await server.close(graceMs);
  app.close();
}

test(
  'in-flight requests finish while new connections are refused',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const parked = gate();
    const app = slowApp(async () => {
      parked.entered();
      await parked.released;
    });
    const server = await start(app.handler);
    // Teardown if an assertion failed first; close() is idempotent.
    t.after(() => server.close());

    const inflight = httpRequest(server.url, { path: '/slow' });
    const inflightState = watch(inflight);
    await parked.started;

    const closing = shutdown(app, server, LONG_GRACE_MS);
    const closingState = watch(closing);
    await assert.rejects(httpRequest(server.url, { path: '/fast' }), { code: 'ECONNREFUSED' });
    assert.equal(inflightState.settled, false, 'the in-flight request is still running');
    assert.equal(closingState.settled, false, 'close waits for it');

    parked.release();
    const response = await inflight;
    assert.equal(response.status, 200);
    assert.equal(response.body, 'done');
    assert.equal(response.headers.connection, 'close');
    await closing;
  },
);

/** A GET over a new HTTP/2 session: rejects if the stream closes before a response. */
function h2Get(server: Started, path: string): Promise<number> {
  const session = http2.connect(server.url, { ca: server.cert!, servername: SERVERNAME });
  session.on('error', () => {});
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    const stream = session.request({ ':method': 'GET', ':path': path });
    stream.once('response', (headers) => (status = Number(headers[':status'])));
    stream.resume();
    stream.once('close', () => {
      session.close();
      if (status === undefined) reject(new Error(`stream closed without a response`));
      else resolve(status);
    });
  });
}

// The hard cut has to reach every kind of connection: Http2SecureServer has no
// closeAllConnections(), so HTTP/1.1 over TLS needs its own bookkeeping.
const transports = [
  { name: 'plain HTTP/1.1', start, get: (s: Started) => httpRequest(s.url, { path: '/slow' }) },
  {
    name: 'HTTP/1.1 over TLS',
    start: startTls,
    get: (s: Started) => httpsRequest(s.url, s.cert!, { path: '/slow' }),
  },
  { name: 'HTTP/2', start: startTls, get: (s: Started) => h2Get(s, '/slow') },
] as const;

for (const transport of transports) {
  test(
    `${transport.name}: requests still running after the grace period are cut`,
    { timeout: TEST_TIMEOUT_MS },
    async (t) => {
      const parked = gate();
      const app = slowApp(async () => {
        parked.entered();
        await new Promise<never>(() => {});
      });
      const server = await transport.start(app.handler);
      t.after(() => server.close());

      const inflight = transport.get(server);
      await parked.started;
      await Promise.all([assert.rejects(inflight), shutdown(app, server, 200)]);
    },
  );
}

test(
  'an idle keep-alive connection does not hold shutdown open',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const app = slowApp(() => Promise.resolve());
    const server = await start(app.handler);
    t.after(() => server.close());
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const target = new URL(server.url);
      const { response, socket } = await new Promise<{ response: ClientResponse; socket: Socket }>(
        (resolve, reject) => {
          const req = http.get({ host: target.hostname, port: target.port, path: '/fast', agent });
          req.once('error', reject);
          req.once('response', (res) => {
            // Captured now: once the body ends the socket goes back to the agent.
            const socket = res.socket;
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.once('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              resolve({
                response: {
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  body,
                  protocol: undefined,
                },
                socket,
              });
            });
          });
        },
      );
      assert.equal(response.status, 200);
      assert.equal(response.headers.connection, 'keep-alive');
      const socketClosed = new Promise<void>((resolve) =>
        socket.once('close', () => {
          resolve();
        }),
      );

      await shutdown(app, server, LONG_GRACE_MS);
      await socketClosed;
    } finally {
      agent.destroy();
    }
  },
);

test(
  'HTTP/2 sessions get GOAWAY; open streams finish, then close resolves',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const parked = gate();
    const app = slowApp(async () => {
      parked.entered();
      await parked.released;
    });
    const server = await startTls(app.handler);
    t.after(() => server.close());
    const session = http2.connect(server.url, { ca: server.cert!, servername: SERVERNAME });
    session.on('error', () => {});
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const sessionClosed = new Promise<void>((resolve) =>
      session.once('close', () => {
        resolve();
      }),
    );

    const stream = session.request({ ':method': 'GET', ':path': '/slow' });
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const streamStatus = new Promise<number>((resolve) =>
      stream.once('response', (headers) => {
        resolve(Number(headers[':status']));
      }),
    );
    const streamEnded = new Promise<void>((resolve) =>
      stream.once('end', () => {
        resolve();
      }),
    );
    await parked.started;

    const closing = shutdown(app, server, LONG_GRACE_MS);
    const closingState = watch(closing);
    assert.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
    assert.equal(closingState.settled, false, 'close waits for the open stream');

    parked.release();
    assert.equal(await streamStatus, 200);
    await streamEnded;
    assert.equal(Buffer.concat(chunks).toString('utf8'), 'done');
    await closing;
    await sessionClosed;
  },
);

test(
  'an idle HTTP/2 session does not hold shutdown open',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const app = slowApp(() => Promise.resolve());
    const server = await startTls(app.handler);
    t.after(() => server.close());
    const session = http2.connect(server.url, { ca: server.cert!, servername: SERVERNAME });
    session.on('error', () => {});
    const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
    const sessionClosed = new Promise<void>((resolve) =>
      session.once('close', () => {
        resolve();
      }),
    );
    const stream = session.request({ ':method': 'GET', ':path': '/fast' });
    stream.resume();
    await new Promise<void>((resolve) =>
      stream.once('end', () => {
        resolve();
      }),
    );

    await shutdown(app, server, LONG_GRACE_MS);
    await goaway;
    await sessionClosed;
  },
);
