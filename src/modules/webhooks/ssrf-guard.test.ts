import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ensureDevCertificate } from '../../platform/dev-cert.ts';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './signing.ts';
import { classifyAddress, safePost, type OutboundResult, type Resolver } from './ssrf-guard.ts';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 and an ephemeral port; every request is recorded. */
async function startServer(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  server: Server = createServer(),
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as AddressInfo).port, received };
}

function expectRefused(result: OutboundResult, reason: string, addressClass?: string): void {
  assert.equal(result.outcome, 'refused', JSON.stringify(result));
  assert.equal(result.reason, reason);
  if (addressClass !== undefined) assert.equal(result.addressClass, addressClass);
}

function expectFailed(result: OutboundResult, reason: string): void {
  assert.equal(result.outcome, 'failed', JSON.stringify(result));
  assert.equal(result.reason, reason);
}

function answer(...addresses: string[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (hostname: string) => {
    calls.push(hostname);
    return Promise.resolve(
      addresses.map((address): LookupAddress => ({
        address,
        family: address.includes(':') ? 6 : 4,
      })),
    );
  };
  return Object.assign(resolve, { calls });
}

test('address classes: every internal range is named, only global unicast is public', () => {
  const cases: Record<string, string> = {
    '0.0.0.0': 'unspecified',
    '0.1.2.3': 'unspecified',
    '10.0.0.1': 'private',
    '10.255.255.255': 'private',
    '100.63.255.255': 'public',
    '100.64.0.1': 'carrier_grade_nat',
    '100.127.255.255': 'carrier_grade_nat',
    '100.128.0.0': 'public',
    '127.0.0.1': 'loopback',
    '127.255.0.9': 'loopback',
    '169.254.169.254': 'link_local',
    '172.15.255.255': 'public',
    '172.16.0.1': 'private',
    '172.31.255.255': 'private',
    '172.32.0.0': 'public',
    '192.0.0.8': 'reserved',
    '192.0.2.1': 'reserved',
    '192.167.255.255': 'public',
    '192.168.1.1': 'private',
    '192.169.0.0': 'public',
    '198.18.0.1': 'reserved',
    '203.0.113.7': 'reserved',
    '224.0.0.251': 'multicast',
    '239.255.255.250': 'multicast',
    '240.0.0.1': 'reserved',
    '255.255.255.255': 'reserved',
    '1.1.1.1': 'public',
    '8.8.8.8': 'public',
    '::': 'unspecified',
    '::1': 'loopback',
    '0:0:0:0:0:0:0:1': 'loopback',
    '::ffff:127.0.0.1': 'loopback',
    '::ffff:7f00:1': 'loopback',
    '::ffff:10.1.2.3': 'private',
    '::ffff:169.254.169.254': 'link_local',
    '::ffff:0.0.0.0': 'unspecified',
    '::ffff:8.8.8.8': 'public',
    '64:ff9b::192.168.0.1': 'private',
    '64:ff9b::8.8.8.8': 'public',
    '64:ff9b:1::1': 'reserved',
    '::127.0.0.1': 'reserved',
    '::2': 'reserved',
    'fc00::1': 'unique_local',
    'fd12:3456::1': 'unique_local',
    'fe80::1': 'link_local',
    'fe80::1%eth0': 'link_local',
    'febf::1': 'link_local',
    'fec0::1': 'reserved',
    'ff02::1': 'multicast',
    '100::1': 'reserved',
    '2001::1': 'reserved',
    '2001:db8::1': 'reserved',
    '2002:7f00:1::1': 'reserved',
    '3fff::1': 'reserved',
    '2001:4860:4860::8888': 'public',
    '2606:4700:4700::1111': 'public',
    '2a00:1450:4001::1': 'public',
    localhost: 'invalid',
    '127.1': 'invalid',
    '': 'invalid',
  };
  for (const [address, expected] of Object.entries(cases)) {
    assert.equal(classifyAddress(address), expected, address);
  }
});

test('refused before any lookup: bad URLs, other schemes, plain http, credentials', async () => {
  const resolve = answer('8.8.8.8');
  const cases: [string, string][] = [
    ['not a url', 'invalid_url'],
    ['/relative/path', 'invalid_url'],
    ['http://hooks.example.com/', 'scheme_not_allowed'],
    ['ftp://hooks.example.com/', 'scheme_not_allowed'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['gopher://hooks.example.com/', 'scheme_not_allowed'],
    ['javascript:alert(1)', 'scheme_not_allowed'],
    ['https://user:secret@hooks.example.com/', 'credentials_in_url'],
    ['https://user@hooks.example.com/', 'credentials_in_url'],
  ];
  for (const [url, reason] of cases) {
    expectRefused(await safePost(url, '{}', { resolve }), reason);
  }
  expectRefused(
    await safePost('ftp://x.example/', '{}', { allowHttp: true, resolve }),
    'scheme_not_allowed',
  );
  assert.deepEqual(resolve.calls, []);
});

test('internal IP literals are refused, in every spelling the URL parser accepts', async () => {
  const cases: [string, string][] = [
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.0.0.1:8443/hook', 'loopback'],
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://017700000001/', 'loopback'],
    ['https://10.0.0.5/', 'private'],
    ['https://172.16.0.1/', 'private'],
    ['https://172.31.4.4/', 'private'],
    ['https://192.168.1.1/', 'private'],
    ['https://100.64.1.1/', 'carrier_grade_nat'],
    ['https://169.254.169.254/latest/meta-data/', 'link_local'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://[::1]/', 'loopback'],
    ['https://[::]/', 'unspecified'],
    ['https://[fc00::1]/', 'unique_local'],
    ['https://[fe80::1]/', 'link_local'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:169.254.169.254]/', 'link_local'],
    ['https://[::ffff:a00:1]/', 'private'],
    ['https://[ff02::1]/', 'multicast'],
  ];
  for (const [url, addressClass] of cases) {
    const result = await safePost(url, '{}', { resolve: answer('8.8.8.8') });
    expectRefused(result, 'forbidden_address', addressClass);
  }
  // The same holds for http: when development allows the scheme.
  expectRefused(
    await safePost('http://127.0.0.1/', '{}', { allowHttp: true }),
    'forbidden_address',
  );
});

test('localhost is refused by what the system resolver answers for it', async () => {
  const result = await safePost('https://localhost/', '{}');
  expectRefused(result, 'forbidden_address', 'loopback');
  assert.ok(result.outcome === 'refused' && ['127.0.0.1', '::1'].includes(result.address ?? ''));
});

test('simulated resolver: a name with ANY internal address is refused, whichever comes first', async () => {
  for (const addresses of [
    ['93.184.215.14', '10.0.0.7'],
    ['10.0.0.7', '93.184.215.14'],
    ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:192.168.0.10'],
    ['93.184.215.14', 'fd00::10'],
  ]) {
    const resolve = answer(...addresses);
    const result = await safePost('https://hooks.example.com/in', '{}', { resolve });
    expectRefused(result, 'forbidden_address');
    assert.ok(result.outcome === 'refused');
    assert.notEqual(result.addressClass, 'public');
    assert.deepEqual(resolve.calls, ['hooks.example.com']);
  }
  const metadata = answer('169.254.169.254');
  expectRefused(
    await safePost('https://metadata.example.com/', '{}', { resolve: metadata }),
    'forbidden_address',
    'link_local',
  );
});

test('simulated resolver: lookup errors, empty answers and a hung lookup are failures', async () => {
  const notFound: Resolver = () =>
    Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));
  const failed = await safePost('https://nowhere.example.com/', '{}', { resolve: notFound });
  expectFailed(failed, 'dns_error');
  assert.equal(failed.outcome === 'failed' && failed.code, 'ENOTFOUND');

  expectFailed(
    await safePost('https://empty.example.com/', '{}', { resolve: answer() }),
    'dns_error',
  );

  const hung: Resolver = () => new Promise(() => undefined);
  const timedOut = await safePost('https://slow-dns.example.com/', '{}', {
    resolve: hung,
    totalTimeoutMs: 50,
  });
  expectFailed(timedOut, 'timeout');
  assert.ok(timedOut.durationMs >= 49);
});

test('an allow-listed host reaches a real local server: signed POST delivered and verified', async (t) => {
  const secret = generateWebhookSecret();
  const verdicts: boolean[] = [];
  const { port, received } = await startServer(t, (req, res) => {
    const last = received.at(-1)!;
    verdicts.push(verifyWebhook({ headers: req.headers, body: last.body, secrets: [secret] }).ok);
    res.writeHead(202, { 'content-type': 'text/plain', 'x-receiver': 'ok' }).end('accepted');
  });
  const body = JSON.stringify({ type: 'order.paid', data: { id: '7' } });
  const signature = signWebhook({ id: 'msg_1', at: new Date(), body, secrets: [secret] });
  const url = `http://127.0.0.1:${port}/hooks/in?tenant=3`;

  // Without the allow-list the very same server is out of reach.
  expectRefused(await safePost(url, body, { allowHttp: true }), 'forbidden_address', 'loopback');
  assert.equal(received.length, 0);

  const result = await safePost(url, body, {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    headers: { 'content-type': 'application/json', ...signature },
  });
  assert.equal(result.outcome, 'response', JSON.stringify(result));
  assert.ok(result.outcome === 'response');
  assert.equal(result.status, 202);
  assert.equal(result.headers['x-receiver'], 'ok');
  assert.equal(result.bodySnippet, 'accepted');
  assert.equal(result.bodyTruncated, false);
  assert.equal(result.address, '127.0.0.1');
  assert.ok(result.durationMs >= 0);

  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request!.method, 'POST');
  assert.equal(request!.url, '/hooks/in?tenant=3');
  assert.equal(request!.body, body);
  assert.equal(request!.headers['content-type'], 'application/json');
  assert.equal(request!.headers['content-length'], String(Buffer.byteLength(body)));
  assert.deepEqual(verdicts, [true]);
});

test('simulated resolver: the connection goes to the checked address, resolved once (pinned)', async (t) => {
  const { port, received } = await startServer(t, (_req, res) => res.end('ok'));
  // `.test` names never resolve for real: reaching the server proves the
  // request used the address we checked rather than asking DNS again.
  const resolve = answer('127.0.0.1');
  const result = await safePost(`http://hooks.example.test:${port}/`, 'ping', {
    allowHttp: true,
    allowHosts: ['HOOKS.example.test'],
    resolve,
  });
  assert.equal(result.outcome, 'response', JSON.stringify(result));
  assert.deepEqual(resolve.calls, ['hooks.example.test']);
  assert.equal(received[0]!.headers.host, `hooks.example.test:${port}`);
});

test('a redirect is returned, never followed', async (t) => {
  const { port, received } = await startServer(t, (_req, res) => {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
  });
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
  });
  assert.ok(result.outcome === 'response', JSON.stringify(result));
  assert.equal(result.status, 302);
  assert.equal(result.headers.location, 'http://169.254.169.254/latest/meta-data/');
  assert.equal(received.length, 1);
});

test('a server that never answers hits the total timeout', async (t) => {
  const { port, received } = await startServer(t, () => {
    // Holds the request open and never responds.
  });
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    totalTimeoutMs: 200,
  });
  expectFailed(result, 'timeout');
  assert.ok(result.durationMs >= 199, String(result.durationMs));
  assert.equal(received.length, 1, 'the request was delivered; the answer never came');
});

test('a body that trickles past the deadline is a timeout too', async (t) => {
  const { port } = await startServer(t, (_req, res) => {
    res.writeHead(200);
    res.write('partial');
  });
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    totalTimeoutMs: 200,
  });
  expectFailed(result, 'timeout');
});

test('a huge body is cut at the cap and the connection dropped', async (t) => {
  let serverSawClose: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    serverSawClose = resolve;
  });
  let sent = 0;
  const { port } = await startServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // Streams without end until the client hangs up.
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
    };
    res.on('drain', pump);
    res.on('close', serverSawClose);
    pump();
  });
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    maxResponseBytes: 1000,
  });
  assert.ok(result.outcome === 'response', JSON.stringify(result));
  assert.equal(result.status, 200);
  assert.equal(result.bodySnippet, 'x'.repeat(1000));
  assert.equal(result.bodyTruncated, true);
  await closed;
  assert.ok(sent < 64 * 1024 * 1024, 'the client hung up long before 64 MiB');
});

test('a body exactly at the cap is whole, not truncated', async (t) => {
  const { port } = await startServer(t, (_req, res) => res.end('y'.repeat(1000)));
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    maxResponseBytes: 1000,
  });
  assert.ok(result.outcome === 'response', JSON.stringify(result));
  assert.equal(result.bodySnippet.length, 1000);
  assert.equal(result.bodyTruncated, false);
});

test('a refused connection is a connection_error with its code', async () => {
  // A port that was free a moment ago and is closed now.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
  });
  expectFailed(result, 'connection_error');
  assert.equal(result.outcome === 'failed' && result.code, 'ECONNREFUSED');
});

test('connect timeout: a listener whose accept queue is full never completes the handshake', async (t) => {
  // A worker thread listens with a backlog of 1 and then blocks, so nothing
  // is ever accepted; on Linux the queue holds two connections and further
  // SYNs are dropped, which is what an unreachable host looks like.
  const release = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setImmediate(() => { Atomics.wait(workerData, 0, 0); server.close(); });
     });`,
    { eval: true, workerData: release },
  );
  const fillers: Socket[] = [];
  t.after(async () => {
    for (const socket of fillers) socket.destroy();
    Atomics.store(release, 0, 1);
    Atomics.notify(release, 0);
    await worker.terminate();
  });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  for (let index = 0; index < 2; index += 1) {
    const socket = connect({ host: '127.0.0.1', port });
    fillers.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
  }

  const result = await safePost(`http://127.0.0.1:${port}/`, '{}', {
    allowHttp: true,
    allowHosts: ['127.0.0.1'],
    connectTimeoutMs: 150,
    totalTimeoutMs: 10_000,
  });
  expectFailed(result, 'connect_timeout');
  assert.ok(result.durationMs < 10_000);
});

test('TLS: certificates are verified; an untrusted one is a tls_error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'webhook-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { cert, key } = await ensureDevCertificate(dir);
  const { port, received } = await startServer(
    t,
    (_req, res) => res.end('ok'),
    createTlsServer({ cert, key }),
  );
  const result = await safePost(`https://127.0.0.1:${port}/`, '{}', { allowHosts: ['127.0.0.1'] });
  expectFailed(result, 'tls_error');
  assert.equal(received.length, 0);
});

test('invalid options are programming errors and throw', async () => {
  await assert.rejects(safePost('https://example.com/', '{}', { totalTimeoutMs: 0 }), RangeError);
  await assert.rejects(
    safePost('https://example.com/', '{}', { connectTimeoutMs: -1 }),
    RangeError,
  );
  await assert.rejects(
    safePost('https://example.com/', '{}', { maxResponseBytes: 1.5 }),
    RangeError,
  );
});
