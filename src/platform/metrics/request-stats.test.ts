import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestStats } from './request-stats.ts';

test('a duration on a bound counts in that bucket; buckets are cumulative, with +Inf', () => {
  const stats = new RequestStats([0.1, 1]);
  stats.record('GET', '/a', 200, 0.1);
  stats.record('GET', '/a', 404, 0.5);
  stats.record('GET', '/a', 503, 2);
  const histogram = stats.histogram('d', 'help').get();
  const bucket = (le: number | string) =>
    histogram.values.find((v) => v.labels.le === le && v.metricName === 'd_bucket')?.value;
  assert.deepEqual([bucket(0.1), bucket(1), bucket('+Inf')], [1, 2, 3]);
  assert.equal(histogram.values.find((v) => v.metricName === 'd_count')?.value, 3);
  assert.equal(histogram.values.find((v) => v.metricName === 'd_sum')?.value, 2.6);
  const counter = stats.counter('c_total', 'help').get();
  assert.deepEqual(
    counter.values.map((v) => [v.labels.status, v.value]),
    [
      ['2xx', 1],
      ['4xx', 1],
      ['5xx', 1],
    ],
  );
});
