import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadResult } from '../lib/load-result.ts';
import { commandExists } from '../lib/machine.ts';
import { ORDERS_PATH, orderBody, ordersScript, startOrdersLoad } from './load.ts';
import { outboxCost, type OrdersRun } from './summary.ts';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly key: string | undefined;
  readonly authorization: string | undefined;
  readonly type: string | undefined;
  readonly body: string;
}

describe('orders load script', () => {
  test('refuses a key prefix that would break out of the Lua string', () => {
    assert.throws(
      () => ordersScript({ token: 't', keyPrefix: 'a"b', productCount: 3 }),
      /visible ASCII/,
    );
  });

  test(
    'wrk sends every order with a key of its own, the token, and the products in turn',
    { skip: !commandExists('wrk', ['--version']) && 'wrk is not installed' },
    async () => {
      const seen: Seen[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          seen.push({
            method: req.method!,
            path: req.url!,
            key: req.headers['idempotency-key'] as string | undefined,
            authorization: req.headers.authorization,
            type: req.headers['content-type'],
            body,
          });
          res.writeHead(201).end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const result = await startOrdersLoad({
          origin: `http://127.0.0.1:${port}`,
          load: { token: 'tok.en', keyPrefix: 'run1-on-2', productCount: 3 },
          connections: 1,
          durationSec: 1,
          cpu: undefined,
        }).result;
        assert.ok(seen.length >= 4, `only ${seen.length} requests`);
        assert.equal(result.badStatus, 0);
        assert.equal(new Set(seen.map((s) => s.key)).size, seen.length, 'a key was repeated');
        // One connection: the requests arrive in the order the script made them
        // (wrk may call the hook once before the first request it sends).
        let previous: number | undefined;
        for (const s of seen) {
          assert.equal(s.method, 'POST');
          assert.equal(s.path, ORDERS_PATH);
          assert.equal(s.authorization, 'Bearer tok.en');
          assert.equal(s.type, 'application/json');
          const n = Number(/^run1-on-2-\d+-(\d+)$/.exec(s.key ?? '')?.[1]);
          assert.ok(Number.isInteger(n), `unexpected key ${s.key}`);
          if (previous !== undefined) assert.equal(n, previous + 1);
          previous = n;
          assert.equal(s.body, orderBody(n, 3));
        }
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );
});

describe('outbox cost', () => {
  const result = (rps: number, p50: number, p99: number): LoadResult => ({
    requests: rps,
    durationSec: 1,
    rps,
    latencyMs: { p50, p90: p99, p99, max: p99 },
    socketErrors: 0,
    badStatus: 0,
  });
  const run = (
    contenderId: OrdersRun['contenderId'],
    round: number,
    r: LoadResult | undefined,
  ): OrdersRun => ({
    contenderId,
    round,
    result: r,
    serverCpu: undefined,
    error: r === undefined ? 'failed' : undefined,
  });

  test('ratio and added latency from same-round pairs; a round missing a side is left out', () => {
    const cost = outboxCost([
      run('outbox-on', 1, result(90, 11, 30)),
      run('outbox-off', 1, result(100, 10, 20)),
      run('outbox-on', 2, result(40, 22, 70)),
      run('outbox-off', 2, result(50, 20, 50)),
      run('outbox-on', 3, result(80, 12, 40)),
      run('outbox-off', 3, result(100, 10, 25)),
      run('outbox-on', 4, undefined),
      run('outbox-off', 4, result(1, 1000, 1000)),
    ]);
    assert.equal(cost.pairs, 3);
    assert.equal(cost.throughputRatio, 0.8);
    assert.equal(cost.addedP50Ms, 2);
    assert.equal(cost.addedP99Ms, 15);
  });
});
