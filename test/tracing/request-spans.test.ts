// The request span through the real HTTP core: named by route pattern (the
// method alone when nothing matched), the caller's traceparent continued,
// a handler's crash recorded with an error status, a client error not, and
// the access log's line and the request's logger carrying the span's ids;
// at a low ratio, only drawn requests and those whose caller kept the trace.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createApp } from '../../src/http/app.ts';
import { httpError } from '../../src/http/errors.ts';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { requestTracing } from '../../src/http/middleware/request-tracing/request-tracing.ts';
import { activeServerSpans } from '../../src/platform/tracing/active.ts';
import { createRequestTracer } from '../../src/platform/tracing/request-spans.ts';
import { startTracedReceiver } from '../support/traced-receiver.ts';
import { captureLogger } from '../support/start.ts';

/** An app with the request tracer at `ratio`, its spans sent to a receiver in the test. */
async function tracedApp(t: TestContext, ratio: number) {
  const { collector, tracing } = await startTracedReceiver(t, {
    serviceName: 'request-test',
    sampleRatio: 1,
  });

  const { logger, records: lines } = captureLogger('info', tracing.logFields);
  const app = createApp({ logger });
  const traced = requestTracing(createRequestTracer(activeServerSpans()!, ratio));
  app.use(traced.outer, accessLog(), traced.errors);
  app.get(
    '/items/:id',
    (c) => {
      c.log.info('handling');
      c.json({ id: c.params.id });
    },
    { auth: 'public' },
  );
  app.get(
    '/boom',
    () => {
      throw new Error('kaboom');
    },
    { auth: 'public' },
  );
  app.get(
    '/missing',
    () => {
      throw httpError('HTTP_NOT_FOUND');
    },
    { auth: 'public' },
  );
  const server = createServer(app.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    app.close();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return { base, lines, collector, tracing };
}

test('request spans: names, parents, errors and log ids', async (t) => {
  const { base, lines, collector, tracing } = await tracedApp(t, 1);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpan = '00f067aa0ba902b7';
  const ok = await fetch(`${base}/items/42`, {
    headers: { traceparent: `00-${traceId}-${callerSpan}-01`, 'user-agent': 'tests/1' },
  });
  assert.equal(ok.status, 200);
  assert.equal((await fetch(`${base}/boom`)).status, 500);
  assert.equal((await fetch(`${base}/missing`)).status, 404);
  assert.equal((await fetch(`${base}/nowhere`)).status, 404);
  await tracing.shutdown();

  const spans = collector.spans;
  const item = spans.find((span) => span.name === 'GET /items/:id');
  assert.ok(item, spans.map((span) => span.name).join(', '));
  assert.equal(item.traceId, traceId);
  assert.equal(item.parentSpanId, callerSpan);
  assert.equal(item.kind, 2);
  assert.equal(item.attributes['http.route'], '/items/:id');
  assert.equal(item.attributes['url.path'], '/items/42');
  assert.equal(item.attributes['http.response.status_code'], 200);
  assert.equal(item.attributes['user_agent.original'], 'tests/1');
  assert.equal(item.statusCode, 0);

  const boom = spans.find((span) => span.name === 'GET /boom');
  assert.equal(boom?.statusCode, 2);
  assert.equal(boom.attributes['http.response.status_code'], 500);
  assert.ok(boom.events.some((event) => event.name === 'exception'));
  const missing = spans.find((span) => span.name === 'GET /missing');
  assert.equal(missing?.statusCode, 0);
  assert.equal(missing.events.length, 0);
  assert.ok(
    spans.some((span) => span.name === 'GET' && span.attributes['http.route'] === undefined),
  );

  const handling = lines.find((line) => line.msg === 'handling');
  const access = lines.find((line) => line.msg === 'request' && line.path === '/items/42');
  assert.equal(handling?.trace_id, traceId);
  assert.equal(handling.span_id, item.spanId);
  assert.equal(access?.trace_id, traceId);
  assert.equal(access.span_id, item.spanId);
});

test('at a low ratio, a request is traced only when drawn or when its caller kept the trace', async (t) => {
  const { base, lines, collector, tracing } = await tracedApp(t, 0);
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const kept = `00-${traceId}-b7ad6b7169203331-01`;
  const dropped = `00-${'1'.repeat(32)}-b7ad6b7169203331-00`;
  assert.equal((await fetch(`${base}/items/1`)).status, 200);
  assert.equal((await fetch(`${base}/items/2`, { headers: { traceparent: dropped } })).status, 200);
  assert.equal((await fetch(`${base}/items/3`, { headers: { traceparent: kept } })).status, 200);
  await tracing.shutdown();

  const served = collector.spans.filter((span) => span.name === 'GET /items/:id');
  assert.deepEqual(
    served.map((span) => span.attributes['url.path']),
    ['/items/3'],
  );
  assert.equal(served[0]!.traceId, traceId);
  const access = (path: string) =>
    lines.find((line) => line.msg === 'request' && line.path === path);
  assert.equal(access('/items/1')?.trace_id, undefined);
  assert.equal(access('/items/2')?.trace_id, undefined);
  assert.equal(access('/items/3')?.trace_id, traceId);
});
