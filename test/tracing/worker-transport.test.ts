// The span exports' POSTs made from a worker thread, against a real HTTP
// collector stand-in: the batch's bytes arrive as they were handed over,
// a collector that is briefly unavailable gets them again (the retries run
// in the worker), one that cannot be reached is reported as a failure, and
// closing ends the worker.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { workerTransport } from '../../src/platform/tracing/worker-transport.ts';
import { refusedUrl } from '../support/fake-opensearch.ts';
import { scriptedCollector } from '../support/scripted-collector.ts';

const batch = (size: number, seed: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);

test('batches posted from the worker arrive as they were handed over, one after another', async (t) => {
  const { url, received } = await scriptedCollector(t);
  const transport = workerTransport({ url, timeoutMillis: 10_000, protocol: 'http/protobuf' });
  t.after(() => transport.close());
  const first = batch(200_000, 1);
  const second = batch(1_000, 2);
  // A view into a larger buffer is copied rather than moved.
  const larger = batch(5_000, 3);
  const view = larger.subarray(100, 4_100);
  const expected = [Buffer.from(first), Buffer.from(second), Buffer.from(view)];
  for (const body of [first, second, view]) {
    const result = await transport.send(body, 10_000);
    assert.equal(result.status, 'success');
  }
  assert.deepEqual(
    received.map((r) => r.headers['content-type']),
    ['application/x-protobuf', 'application/x-protobuf', 'application/x-protobuf'],
  );
  assert.equal(received.length, 3);
  received.forEach((r, i) => {
    assert.ok(r.body.equals(expected[i]!), `batch ${i} differs`);
  });
  // The larger buffer the view was cut from is still the caller's.
  assert.equal(larger.length, 5_000);
});

test('a collector briefly unavailable gets the batch again; one out of reach is a failure', async (t) => {
  const { url, received } = await scriptedCollector(t, [
    { status: 503, retryAfter: '0' },
    { status: 503, retryAfter: '0' },
  ]);
  const retried = workerTransport({ url, timeoutMillis: 20_000, protocol: 'http/protobuf' });
  t.after(() => retried.close());
  const result = await retried.send(batch(300, 4), 20_000);
  assert.equal(result.status, 'success');
  assert.equal(received.length, 3);
  assert.ok(received.every((r) => r.body.equals(Buffer.from(batch(300, 4)))));

  const unreachable = workerTransport({
    url: `${await refusedUrl()}/v1/traces`,
    timeoutMillis: 1_500,
    protocol: 'http/protobuf',
  });
  t.after(() => unreachable.close());
  const failed = await unreachable.send(batch(10, 5), 1_500);
  assert.notEqual(failed.status, 'success');
});

test('an idle worker does not hold the process open, and close ends an export still out', async (t) => {
  const module = fileURLToPath(
    new URL('../../src/platform/tracing/worker-transport.ts', import.meta.url),
  );
  // A process that exports once and then has nothing left to do exits by itself.
  const { url, received } = await scriptedCollector(t);
  const source = `
    import { workerTransport } from ${JSON.stringify(module)};
    const transport = workerTransport({ url: ${JSON.stringify(url)}, timeoutMillis: 10000, protocol: 'http/protobuf' });
    const result = await transport.send(new Uint8Array([1, 2, 3]), 10000);
    process.stdout.write(result.status);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '--eval', source], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0);
  assert.equal(output, 'success');
  assert.equal(received.length, 1);

  // A collector that never answers: close() settles the export that is out.
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  const { port } = silent.address() as AddressInfo;
  const transport = workerTransport({
    url: `http://127.0.0.1:${port}/v1/traces`,
    timeoutMillis: 60_000,
    protocol: 'http/protobuf',
  });
  const out = transport.send(batch(10, 6), 60_000);
  await transport.close();
  const result = await out;
  assert.equal(result.status, 'failure');
});
