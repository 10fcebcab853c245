import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge, percentile, Recorder, summarize } from './stats.ts';

describe('load test statistics', () => {
  test('percentiles are nearest-rank: a latency some request really had', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 99), 0);
    // Ten samples: the p99 is the slowest, not a value between the last two.
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 1000], 99), 1000);
  });

  test('summaries sort their samples first', () => {
    assert.deepEqual(summarize([30, 10, 20]), { count: 3, p50: 20, p95: 30, p99: 30, max: 30 });
  });

  test('the recorder keeps steps apart, pools them for the whole, and tallies failures', () => {
    const recorder = new Recorder();
    recorder.success('browse', 10);
    recorder.success('browse', 30);
    recorder.success('order', 50);
    recorder.failure({ step: 'order', status: 502, code: 'none' });
    recorder.retry();
    recorder.failure({ step: 'order', status: 502, code: 'none' });
    recorder.failure({ step: 'pay', status: 'network', code: 'ECONNRESET' });
    recorder.journey(120);
    const seen = recorder.snapshot();
    assert.equal(seen.requests, 6);
    assert.equal(seen.failed, 3);
    assert.equal(seen.retries, 1);
    assert.deepEqual(Object.keys(seen.steps).sort(), ['browse', 'order']);
    assert.equal(seen.steps.browse!.count, 2);
    assert.equal(seen.all.count, 3);
    assert.equal(seen.all.max, 50);
    assert.equal(seen.journeys.p99, 120);
    assert.deepEqual(seen.failures, { 'order 502 none': 2, 'pay network ECONNRESET': 1 });
  });

  test('the verdict fails on the p99, on the error rate, and on no requests at all', () => {
    const recorder = new Recorder();
    for (let i = 1; i <= 99; i += 1) recorder.success('browse', 10);
    recorder.failure({ step: 'browse', status: 500, code: 'INTERNAL' });
    const seen = recorder.snapshot();
    assert.deepEqual(judge(seen, { p99Ms: 10, maxErrorRate: 0.01 }), {
      pass: true,
      errorRate: 0.01,
      reasons: [],
    });
    const strict = judge(seen, { p99Ms: 5, maxErrorRate: 0 });
    assert.equal(strict.pass, false);
    assert.equal(strict.reasons.length, 2);
    assert.match(strict.reasons.join('\n'), /p99 10\.0 ms is over 5 ms/);
    assert.match(strict.reasons.join('\n'), /error rate 1\.00 %/);
    assert.equal(judge(new Recorder().snapshot(), { p99Ms: 5, maxErrorRate: 1 }).pass, false);
  });
});
