import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { commandExists } from './machine.ts';
import { parseWrkOutput, startWrk, wrkScript } from './wrk.ts';

describe('wrk output', () => {
  test('reads the JSON line printed by the done hook, in ms and req/s', () => {
    const stdout = [
      'Running 8s test @ http://127.0.0.1:1234/json',
      '  1 threads and 50 connections',
      'BENCH_RESULT {"requests":400000,"durationUs":8000000,"connect":0,"read":1,"write":0,' +
        '"timeout":2,"status":5,"p50":1100,"p90":1500,"p99":3250,"max":12000}',
      'Requests/sec:  50000.00',
    ].join('\n');
    const result = parseWrkOutput(stdout);
    assert.equal(result.requests, 400000);
    assert.equal(result.durationSec, 8);
    assert.equal(result.rps, 50000);
    assert.deepEqual(result.latencyMs, { p50: 1.1, p90: 1.5, p99: 3.25, max: 12 });
    assert.equal(result.socketErrors, 3);
    assert.equal(result.badStatus, 5);
  });

  test('refuses output without a result line', () => {
    assert.throws(() => parseWrkOutput('Requests/sec: 1.00\n'), /no result/);
  });
});

describe('wrk script', () => {
  test('quotes values with long brackets, leaving a space after the index bracket', () => {
    const script = wrkScript({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":"]=]"}',
    });
    assert.match(script, /wrk\.headers\[ \[=\[content-type\]=\] \] = \[=\[application\/json\]=\]/);
    // The body contains `]=]`, so a longer bracket is chosen.
    assert.match(script, /wrk\.body = \[==\[\{"a":"\]=\]"\}\]==\]/);
  });

  test(
    'wrk accepts the script and sends the method, headers and body',
    {
      skip: !commandExists('wrk', ['--version']) && 'wrk is not installed',
    },
    async () => {
      const seen: { method: string; type: string; body: string }[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        req.on('end', () => {
          if (seen.length < 5)
            seen.push({ method: req.method!, type: req.headers['content-type']!, body });
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const run = startWrk({
          url: `http://127.0.0.1:${port}/x`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"n":1}',
          connections: 2,
          durationSec: 1,
          cpu: undefined,
        });
        const result = await run.result;
        assert.ok(result.requests > 0);
        assert.equal(result.badStatus, 0);
        assert.deepEqual(seen[0], { method: 'POST', type: 'application/json', body: '{"n":1}' });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );
});
