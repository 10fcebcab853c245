// The span of an arriving call against OpenTelemetry's own parts: the SDK's
// processor and in-memory exporter receive it once, in the forms they read;
// the SDK's tracer makes its children part of its trace even under a sampler
// that would drop a new one; OTLP's encoder writes its times and ids.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type SpanContext,
} from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  RandomIdGenerator,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ServerSpan, startServerSpan, toHrTime, type ServerSpanSink } from './server-span.ts';

function sink(): { sink: ServerSpanSink; exported: InMemorySpanExporter } {
  const exported = new InMemorySpanExporter();
  return {
    exported,
    sink: {
      resource: resourceFromAttributes({ 'service.name': 'server-span-test' }),
      scope: { name: 'throughline', version: 'test' },
      processor: new SimpleSpanProcessor({ exporter: exported }),
      ids: new RandomIdGenerator(),
    },
  };
}

const CALLER: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
  traceState: new TraceState('vendor=value'),
};

test('a span ends once, and reaches the processor in the forms the SDK reads', async () => {
  const { sink: to, exported } = sink();
  const startMs = 1_765_000_000_123.25;
  const span = new ServerSpan(to, 'GET /items/:id', { a: 1 }, startMs, CALLER);
  span.setAttribute('b', 'two');
  span.setAttributes({ c: true });
  span.updateName('GET /items/:id (renamed)');
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 500' });
  span.recordException(new TypeError('no such item'));
  assert.equal(span.isRecording(), true);
  span.end(startMs + 12.5);
  span.end(startMs + 99);
  span.setAttribute('after', 'the end');
  span.setStatus({ code: SpanStatusCode.OK });
  span.addEvent('late');
  assert.equal(span.isRecording(), false);
  await to.processor.forceFlush();

  const [ended, ...more] = exported.getFinishedSpans();
  assert.ok(ended);
  assert.equal(more.length, 0, 'a second end() does not hand the span over again');
  assert.equal(ended.name, 'GET /items/:id (renamed)');
  assert.equal(ended.kind, SpanKind.SERVER);
  const context = ended.spanContext();
  assert.equal(context.traceId, CALLER.traceId, "the caller's trace is continued");
  assert.match(context.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(context.spanId, CALLER.spanId);
  assert.equal(context.traceFlags, TraceFlags.SAMPLED);
  assert.equal(context.traceState?.get('vendor'), 'value', "the caller's tracestate is kept");
  assert.equal(ended.parentSpanContext, CALLER);
  assert.deepEqual(ended.attributes, { a: 1, b: 'two', c: true });
  assert.deepEqual(ended.status, { code: SpanStatusCode.ERROR, message: 'HTTP 500' });
  assert.deepEqual(ended.startTime, [1_765_000_000, 123_250_000]);
  assert.deepEqual(ended.endTime, [1_765_000_000, 135_750_000]);
  assert.deepEqual(ended.duration, [0, 12_500_000]);
  assert.equal(ended.ended, true);
  assert.equal(ended.resource, to.resource);
  assert.equal(ended.instrumentationScope, to.scope);
  assert.deepEqual(ended.links, []);
  assert.equal(ended.events.length, 1);
  const [exception] = ended.events;
  assert.equal(exception?.name, 'exception');
  assert.equal(exception.attributes?.['exception.type'], 'TypeError');
  assert.equal(exception.attributes?.['exception.message'], 'no such item');
  assert.match(String(exception.attributes?.['exception.stacktrace']), /TypeError: no such item/);
});

test('without a caller, a span starts a new trace of its own', () => {
  const { sink: to } = sink();
  const first = new ServerSpan(to, 'GET', {}, Date.now(), undefined);
  const second = new ServerSpan(to, 'GET', {}, Date.now(), undefined);
  assert.match(first.spanContext().traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(first.spanContext().traceId, second.spanContext().traceId);
  assert.equal(first.parentSpanContext, undefined);
  assert.equal(first.spanContext().traceState, undefined);
  // An end given as a reading of performance.now() is placed on the epoch, as the SDK does.
  const before = Date.now();
  first.end(performance.now());
  const [seconds] = first.endTime;
  assert.ok(Math.abs(seconds * 1e3 - before) < 2_000, `${seconds} s is about now`);
});

test("the SDK's spans started under it are its children, kept whatever the root sampler says", async () => {
  const { sink: to, exported } = sink();
  // A root sampler that keeps nothing: only the parent's sampled flag keeps the child.
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: [to.processor],
  });
  const { span: parent, active } = startServerSpan(to, ROOT_CONTEXT, 'GET /x', {});
  assert.equal(trace.getSpan(active), parent, 'the span is current in the context it returns');
  const child = provider.getTracer('test').startSpan('SELECT items', {}, active);
  child.end();
  parent.end();
  await to.processor.forceFlush();

  const [childEnded, parentEnded] = exported.getFinishedSpans();
  assert.equal(childEnded?.name, 'SELECT items');
  assert.equal(childEnded.spanContext().traceId, parent.spanContext().traceId);
  assert.equal(childEnded.parentSpanContext?.spanId, parent.spanContext().spanId);
  assert.equal(parentEnded?.name, 'GET /x');
});

test("OTLP's encoder writes its times, ids and kind", () => {
  const { sink: to } = sink();
  const span = new ServerSpan(to, 'GET /x', { k: 'v' }, 1_765_000_000_000.5, CALLER);
  span.end(1_765_000_000_002);
  const request = JSON.parse(
    new TextDecoder().decode(JsonTraceSerializer.serializeRequest([span])),
  ) as {
    resourceSpans: {
      scopeSpans: {
        scope: { name: string };
        spans: {
          traceId: string;
          parentSpanId: string;
          kind: number;
          startTimeUnixNano: string;
          endTimeUnixNano: string;
          attributes: { key: string; value: { stringValue: string } }[];
        }[];
      }[];
    }[];
  };
  const scope = request.resourceSpans[0]?.scopeSpans[0];
  const encoded = scope?.spans[0];
  assert.equal(scope?.scope.name, 'throughline');
  assert.equal(encoded?.traceId, CALLER.traceId);
  assert.equal(encoded.parentSpanId, CALLER.spanId);
  assert.equal(encoded.kind, 2, 'OTLP numbers a server span 2');
  assert.equal(encoded.startTimeUnixNano, '1765000000000500000');
  assert.equal(encoded.endTimeUnixNano, '1765000000002000000');
  assert.deepEqual(encoded.attributes, [{ key: 'k', value: { stringValue: 'v' } }]);
});

test('epoch milliseconds become [seconds, nanoseconds], carrying a rounded-up second', () => {
  assert.deepEqual(toHrTime(1_765_000_000_000), [1_765_000_000, 0]);
  assert.deepEqual(toHrTime(1_765_000_000_999.5), [1_765_000_000, 999_500_000]);
  assert.deepEqual(toHrTime(1_999.999_999_9), [2, 0]);
  assert.deepEqual(toHrTime(0.000_001), [0, 1]);
});
