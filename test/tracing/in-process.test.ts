// Tracing inside one process, against an OTLP receiver in the test: off
// without an endpoint (nothing registered, no headers, payloads untouched),
// and with one: the SMTP send's client span, the outbound trace headers, and
// trace context carried through a payload and continued from it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { createSmtpMailer } from '../../src/adapters/mail/smtp.ts';
import { activeTracer } from '../../src/platform/tracing/active.ts';
import {
  attachTraceContext,
  captureTraceContext,
  detachTraceContext,
  withCarriedContext,
} from '../../src/platform/tracing/carrier.ts';
import { traceOutbound } from '../../src/platform/tracing/outbound.ts';
import { startTracing } from '../../src/platform/tracing/tracing.ts';
import { startTracedReceiver } from '../support/traced-receiver.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const PROCESS = { serviceVersion: 'test', role: 'test' };

test('without an endpoint nothing is started, and nothing is added', async () => {
  const tracing = await startTracing({ serviceName: 'x', sampleRatio: 1 }, PROCESS);
  assert.equal(tracing, undefined);
  assert.equal(activeTracer(), undefined);
  assert.equal(captureTraceContext(), undefined);
  assert.deepEqual(attachTraceContext({ a: 1 }), { a: 1 });
  let sent: Readonly<Record<string, string>> | undefined;
  await traceOutbound({ name: 'POST', attributes: {} }, (headers) => {
    sent = headers;
    return Promise.resolve();
  });
  assert.deepEqual(sent, {});
});

test('with an endpoint: client spans, trace headers and carried context', async (t) => {
  const { collector, tracing } = await startTracedReceiver(t, {
    serviceName: 'tracing-test',
    sampleRatio: 1,
    role: PROCESS.role,
  });
  const sink = await startSmtpSink();
  t.after(() => sink.close());
  const tracer = activeTracer();
  assert.ok(tracer);

  const root = tracer.startSpan('root', { kind: SpanKind.INTERNAL });
  const traceId = root.spanContext().traceId;
  let headers: Readonly<Record<string, string>> = {};
  let stored: unknown;
  await context.with(trace.setSpan(context.active(), root), async () => {
    assert.deepEqual(tracing.logFields(), {
      trace_id: traceId,
      span_id: root.spanContext().spanId,
    });
    const mailer = createSmtpMailer({ url: sink.url, from: 'test@example.test' });
    await mailer.send({ to: 'someone@example.test', subject: 'hello', text: 'hi' });
    await mailer.close?.();
    await traceOutbound(
      { name: 'POST', attributes: { 'server.address': 'x' } },
      (sent) => {
        headers = sent;
        return Promise.resolve({ status: 503 });
      },
      (result) => result.status,
    );
    stored = attachTraceContext({ orderId: '7' });
  });
  root.end();

  // Carried through a payload: taken off whole, and continued later.
  const { payload, carrier } = detachTraceContext(stored);
  assert.deepEqual(payload, { orderId: '7' });
  assert.ok(carrier);
  assert.equal(carrier.traceparent.split('-')[1], traceId);
  const later = withCarriedContext(carrier, () => {
    const span = tracer.startSpan('later');
    span.end();
    return span.spanContext();
  });
  assert.equal(later.traceId, traceId);
  assert.equal(tracing.logFields().trace_id, undefined, 'no ids outside a span');

  await tracing.shutdown();
  assert.equal(activeTracer(), undefined);
  const spans = collector.spans;
  const rootSpan = spans.find((span) => span.name === 'root');
  const smtp = spans.find((span) => span.name === 'smtp send');
  const post = spans.find((span) => span.name === 'POST');
  assert.ok(rootSpan && smtp && post, spans.map((span) => span.name).join(', '));
  assert.equal(smtp.parentSpanId, rootSpan.spanId);
  assert.equal(smtp.kind, 3);
  assert.equal(smtp.attributes['server.address'], '127.0.0.1');
  assert.ok(!JSON.stringify(smtp).includes('someone@example.test'), 'no recipient on the span');
  assert.equal(post.statusCode, 2);
  assert.equal(post.attributes['http.response.status_code'], 503);
  assert.match(headers.traceparent ?? '', new RegExp(`^00-${traceId}-${post.spanId}-01$`));
  assert.equal(spans.find((span) => span.name === 'later')?.parentSpanId, rootSpan.spanId);
  assert.equal(rootSpan.resource['service.name'], 'tracing-test');
});

test(
  'Redis commands sent inside a span get spans of their own, named by the command',
  { skip: process.env.REDIS_URL ? false : 'REDIS_URL is not set' },
  async (t) => {
    const { collector, tracing } = await startTracedReceiver(t, {
      serviceName: 'tracing-test',
      sampleRatio: 1,
      role: PROCESS.role,
    });
    const tracer = activeTracer()!;
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL!, { lazyConnect: true });
    t.after(() => {
      redis.disconnect();
    });
    await redis.connect();
    const key = `tracing-test:${randomUUID()}`;
    await redis.set(key, 'secret-value', 'PX', 10_000); // outside any span: none
    const root = tracer.startSpan('root');
    await context.with(trace.setSpan(context.active(), root), async () => {
      assert.equal(await redis.get(key), 'secret-value');
    });
    root.end();
    await tracing.shutdown();
    const spans = collector.spans;
    const get = spans.find((span) => span.name === 'GET');
    assert.ok(get, spans.map((span) => span.name).join(', '));
    assert.equal(get.parentSpanId, root.spanContext().spanId);
    assert.equal(get.attributes['db.system.name'], 'redis');
    assert.equal(spans.filter((span) => span.name === 'SET').length, 0);
    assert.ok(!JSON.stringify(get).includes(key), 'no key on the span');
  },
);
