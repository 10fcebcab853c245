// Spans encoded as they end, held to OpenTelemetry's own protobuf encoder:
// for the same spans, resource and scope, the export request's bytes are
// the same, whatever the span carries (a caller's trace and trace state,
// every kind of attribute value, non-ASCII and long strings, an exception
// event, a link, an error status) — for our server spans and the SDK's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  RandomIdGenerator,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { writeExportRequest, writeSpanEntry } from './otlp-span-encoding.ts';
import { ProtobufWriter } from './protobuf-writer.ts';
import { ServerSpan, type ServerSpanSink } from './server-span.ts';

const resource = resourceFromAttributes({
  'service.name': 'encoding-test',
  'service.version': '1.2.3',
  'process.pid': 4242,
});
const scope = { name: 'throughline', version: 'test' };

function ours(spans: readonly ReadableSpan[]): Uint8Array {
  const entries = new ProtobufWriter(16);
  for (const span of spans) writeSpanEntry(entries, span);
  const request = new ProtobufWriter(16);
  writeExportRequest(request, resource, scope, entries.written());
  return request.written().slice();
}

function assertSameBytes(spans: readonly ReadableSpan[]): void {
  const theirs = ProtobufTraceSerializer.serializeRequest([...spans]);
  assert.ok(theirs !== undefined);
  assert.deepEqual(Buffer.from(ours(spans)).toString('hex'), Buffer.from(theirs).toString('hex'));
}

const sink: ServerSpanSink = {
  resource,
  scope,
  processor: new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() }),
  ids: new RandomIdGenerator(),
};

test('server spans: a caller continued and a new trace, with every kind of value', () => {
  const startMs = 1_765_000_000_123.456;
  const continued = new ServerSpan(
    sink,
    'GET /items/:id',
    {
      'http.request.method': 'GET',
      'url.path': '/items/ü-42',
      'http.response.status_code': 503,
      'throughline.negative': -7,
      'throughline.ratio': 0.25,
      'throughline.big': 2 ** 40,
      'throughline.flag': true,
      'throughline.tags': ['a', 'b'],
      'throughline.counts': [1, 2.5],
      'throughline.long': 'x'.repeat(300),
      'throughline.emoji': '🚀 launch',
    },
    startMs,
    {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=value,other=1'),
    },
  );
  continued.setStatus({ code: SpanStatusCode.ERROR, message: 'HTTP 503' });
  continued.recordException(new TypeError('no such item'), startMs + 1);
  continued.addLink({
    context: {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    },
    attributes: { reason: 'batch' },
  });
  continued.end(startMs + 12.5);
  const root = new ServerSpan(sink, 'POST', { 'url.path': '/nowhere' }, startMs, undefined);
  root.end(startMs + 0.001);
  assertSameBytes([continued, root]);
});

test("the SDK's own spans: a child with events and attributes set along the way", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer(scope.name, scope.version);
  const parent = trace.wrapSpanContext({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  });
  const span = tracer.startSpan(
    'SELECT products',
    { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  span.addEvent('rows', { count: 3 });
  span.setAttribute('db.response.returned_rows', 3);
  span.end();
  const finished = exporter.getFinishedSpans();
  assert.equal(finished.length, 1);
  assertSameBytes([asStamped(finished[0]!)]);
});

/** The span under the test's resource and scope objects: the provider stamps its spans with copies. */
function asStamped(span: ReadableSpan): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

test('a batch of many spans: nested lengths past one byte are written the same', () => {
  const spans: ReadableSpan[] = [];
  for (let i = 0; i < 300; i++) {
    const span = new ServerSpan(
      sink,
      `GET /n/${i}`,
      { i, 'url.path': `/n/${i}` },
      1e12 + i,
      undefined,
    );
    span.end(1e12 + i + 0.5);
    spans.push(span);
  }
  assertSameBytes(spans);
});

test('attribute keys past the encoded-key bound, ASCII and not, are written the same', () => {
  // More distinct keys than the encoder keeps encoded: the rest are encoded each time.
  const attributes: Record<string, number> = {};
  for (let i = 0; i < 1500; i++) attributes[i % 3 === 0 ? `clé.${i}` : `key.${i}`] = i;
  const first = new ServerSpan(sink, 'many keys', attributes, 1e12, undefined);
  first.end(1e12 + 1);
  const again = new ServerSpan(sink, 'many keys again', { ...attributes }, 1e12 + 2, undefined);
  again.end(1e12 + 3);
  assertSameBytes([first, again]);
});
