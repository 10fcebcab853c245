import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesPerConnection, percentile, summariseLatency } from './summary.ts';

test('nearest-rank percentiles', () => {
  const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 0), 1);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('a latency summary rounds to a tenth of a millisecond', () => {
  assert.deepEqual(summariseLatency([1.04, 2.06, 3]), {
    samples: 3,
    p50Ms: 2.1,
    p99Ms: 3,
    maxMs: 3,
  });
});

test('memory per connection', () => {
  assert.equal(bytesPerConnection(1_000_000, 3_000_000, 100), 20_000);
  assert.equal(bytesPerConnection(1_000_000, 3_000_000, 0), 0);
});
