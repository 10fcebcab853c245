import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { benchKeyPrefix, readAll, settled } from './cache.ts';
import { parseSingleFlightOptions, formatSingleFlight } from './single-flight.ts';
import type { CacheCounters } from './summary.ts';

function counters(loads: number): CacheCounters {
  return {
    hits: 0,
    localHits: 0,
    misses: 0,
    staleServed: 0,
    coalesced: 0,
    loads,
    errors: 0,
  };
}

describe('warming the cache', () => {
  const seen: string[] = [];
  let server: Server;
  let origin: string;

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('reads every path once', async () => {
    seen.length = 0;
    const paths = Array.from({ length: 25 }, (_, i) => `/p/${i + 1}`);
    await readAll(origin, paths, 4);
    assert.deepEqual([...seen].sort(), [...paths].sort());
  });

  test('fails on anything but 200', async () => {
    await assert.rejects(readAll(origin, ['/p/1', '/missing'], 2), /warming \/missing → 404/);
  });

  test('waits until loads stop moving', async () => {
    const readings = [1, 5, 9, 9, 12];
    let calls = 0;
    const last = await settled(() => Promise.resolve(counters(readings[calls++] ?? 99)), {
      intervalMs: 1,
    });
    assert.equal(last.loads, 9);
    assert.equal(calls, 4);
  });

  test('gives up after maxMs with the last reading', async () => {
    let loads = 0;
    const last = await settled(() => Promise.resolve(counters(++loads)), {
      intervalMs: 1,
      maxMs: 20,
    });
    // Still moving at the deadline: the last reading, not a wait without end.
    assert.equal(last.loads, loads);
  });

  test('a run’s Redis key prefix is a valid REDIS_KEY_PREFIX, and its own', () => {
    const prefix = benchKeyPrefix();
    assert.match(prefix, /^[\w.:-]{1,64}$/);
    assert.notEqual(prefix, benchKeyPrefix());
  });
});

describe('single-flight bench', () => {
  test('options: defaults, and out-of-range values refused', () => {
    const options = parseSingleFlightOptions(['--postgres-url', 'postgres://x@127.0.0.1/db']);
    assert.equal(options.requests, 1000);
    assert.equal(options.productId, 4242);
    assert.equal(options.postgresUrl, 'postgres://x@127.0.0.1/db');
    assert.throws(() => parseSingleFlightOptions(['--requests', '0']), /--requests/);
    assert.throws(() => parseSingleFlightOptions(['--product', '10001']), /--product/);
  });

  test('the table shows the counters and the PostgreSQL count side by side', () => {
    const text = formatSingleFlight([
      {
        mode: 'cache-off',
        label: 'cache off',
        requests: 1000,
        ok: 1000,
        etags: 1,
        sendMs: 12.34,
        wallMs: 700.4,
        cache: undefined,
        productScans: 1000,
      },
      {
        mode: 'cache-on',
        label: 'cache on (in process)',
        requests: 1000,
        ok: 1000,
        etags: 1,
        sendMs: 10,
        wallMs: 150,
        cache: { ...counters(1), coalesced: 700, hits: 299 },
        productScans: 1,
      },
    ]);
    assert.match(text, /^cache off +\| 1000\/1000 \| +— \| +— \| +— \| +1000 \| +12\.3 \| +700$/m);
    assert.match(text, /^cache on \(in process\) \| 1000\/1000 \| +1 \| +700 \| +299 \| +1 \|/m);
  });
});
