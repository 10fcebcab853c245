import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceMetrics } from '../../platform/metrics/metrics.ts';
import { routeTraffic } from './traffic.ts';

test('per route: requests, errors by class, total time and the buckets of the percentiles', async () => {
  const metrics = new ServiceMetrics({ processMetrics: false });
  const answer = (method: string, route: string, status: number, seconds: number) => {
    metrics.started();
    metrics.finished(method, route, status, seconds);
  };
  for (let i = 0; i < 18; i++) answer('GET', '/api/v1/products', 200, 0.004);
  answer('GET', '/api/v1/products', 503, 0.3);
  answer('GET', '/api/v1/products', 404, 0.002);
  answer('POST', '/api/v1/orders', 201, 0.02);

  const { body } = await metrics.render(false);
  assert.deepEqual(routeTraffic(body), [
    {
      method: 'GET',
      route: '/api/v1/products',
      requests: 20,
      serverErrors: 1,
      clientErrors: 1,
      totalSeconds: routeTraffic(body)[0]!.totalSeconds,
      p50Seconds: 0.005,
      p95Seconds: 0.005,
    },
    {
      method: 'POST',
      route: '/api/v1/orders',
      requests: 1,
      serverErrors: 0,
      clientErrors: 0,
      totalSeconds: 0.02,
      p50Seconds: 0.025,
      p95Seconds: 0.025,
    },
  ]);
  assert.ok(Math.abs(routeTraffic(body)[0]!.totalSeconds - (18 * 0.004 + 0.3 + 0.002)) < 1e-9);
});

test('a route whose slow tail is past the last bound has no finite 95th percentile', () => {
  const scrape = [
    'http_requests_total{method="GET",route="/slow",status="2xx"} 2',
    'http_request_duration_seconds_bucket{le="15",method="GET",route="/slow"} 1',
    'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/slow"} 2',
    'http_request_duration_seconds_sum{method="GET",route="/slow"} 40',
  ].join('\n');
  const [slow] = routeTraffic(scrape);
  assert.equal(slow?.p50Seconds, 15);
  assert.equal(slow?.p95Seconds, null);
});

test('labels with escaped quotes are read whole; other metrics are ignored', () => {
  const scrape = [
    '# HELP http_requests_total Requests answered',
    'process_cpu_seconds_total 3',
    'http_requests_total{method="GET",route="/a\\"b",status="2xx"} 1',
  ].join('\n');
  assert.deepEqual(
    routeTraffic(scrape).map((route) => route.route),
    ['/a"b'],
  );
});
