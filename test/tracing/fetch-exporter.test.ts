// The span exporter that posts with fetch, against a real HTTP collector
// stand-in whose answers each test scripts: spans arrive as OTLP protobuf (or
// JSON when asked), a
// collector that is briefly unavailable gets the same batch again, one that
// refuses it outright is not asked twice, and the standard OTEL_EXPORTER_OTLP_*
// headers and compression settings are honoured.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  otlpFetchSpanExporter,
  type OtlpProtocol,
} from '../../src/platform/tracing/fetch-exporter.ts';
import { refusedUrl } from '../support/fake-opensearch.ts';
import { decodeTraceRequest, type ExportRequest } from '../support/otlp-protobuf.ts';
import { scriptedCollector } from '../support/scripted-collector.ts';

/** Two ended spans, as the SDK hands them to an exporter. */
function finishedSpans(): ReadableSpan[] {
  const ended: ReadableSpan[] = [];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'exporter-test' }),
    spanProcessors: [
      {
        onStart: () => {},
        onEnd: (span) => ended.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  const tracer = provider.getTracer('exporter-test');
  for (const name of ['first', 'second']) {
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    span.setAttribute('http.response.status_code', 200);
    span.end();
  }
  return ended;
}

function exportOnce(
  url: string,
  spans: ReadableSpan[],
  protocol: OtlpProtocol = 'http/protobuf',
): Promise<ExportResult> {
  const exporter = otlpFetchSpanExporter({ url, timeoutMillis: 10_000, protocol });
  return new Promise<ExportResult>((resolve) => {
    exporter.export(spans, resolve);
  }).finally(() => exporter.shutdown());
}

/** The names of the spans in one export request, in order. */
function spanNames(request: ExportRequest): string[] {
  return (request.resourceSpans ?? []).flatMap((r) =>
    (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((x) => x.name)),
  );
}

const fromProtobuf = (body: Buffer): ExportRequest => decodeTraceRequest(body);

test('posts the spans as OTLP protobuf by default', async (t) => {
  const { url, received } = await scriptedCollector(t);
  const result = await exportOnce(url, finishedSpans());
  assert.equal(result.code, ExportResultCode.SUCCESS);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.headers['content-type'], 'application/x-protobuf');
  const request = fromProtobuf(received[0]!.body);
  assert.deepEqual(spanNames(request), ['first', 'second']);
  const [first] = request.resourceSpans![0]!.scopeSpans![0]!.spans!;
  assert.match(first!.traceId, /^[0-9a-f]{32}$/);
  assert.match(first!.spanId, /^[0-9a-f]{16}$/);
  assert.deepEqual(first!.attributes, [
    { key: 'http.response.status_code', value: { intValue: '200' } },
  ]);
  assert.deepEqual(
    request.resourceSpans![0]!.resource!.attributes!.find((a) => a.key === 'service.name'),
    {
      key: 'service.name',
      value: { stringValue: 'exporter-test' },
    },
  );
});

test('posts the spans as OTLP JSON when asked', async (t) => {
  const { url, received } = await scriptedCollector(t);
  const result = await exportOnce(url, finishedSpans(), 'http/json');
  assert.equal(result.code, ExportResultCode.SUCCESS);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.headers['content-type'], 'application/json');
  const request = JSON.parse(received[0]!.body.toString('utf8')) as ExportRequest;
  assert.deepEqual(spanNames(request), ['first', 'second']);
});

test('a collector that is briefly unavailable gets the same batch again', async (t) => {
  const { url, received } = await scriptedCollector(t, [
    { status: 503, retryAfter: '0' },
    { status: 429, retryAfter: '0' },
  ]);
  const result = await exportOnce(url, finishedSpans());
  assert.equal(result.code, ExportResultCode.SUCCESS);
  assert.equal(received.length, 3);
  assert.deepEqual(received[2]!.body, received[0]!.body);
});

test('a collector that refuses the batch is not asked again', async (t) => {
  const { url, received } = await scriptedCollector(t, [{ status: 400 }]);
  const result = await exportOnce(url, finishedSpans());
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.equal(received.length, 1);
});

test('a collector that cannot be reached fails the export within its deadline', async () => {
  // Every attempt is refused, and the retries' back-off (a second and more)
  // does not fit in the deadline.
  const exporter = otlpFetchSpanExporter({
    url: `${await refusedUrl()}/v1/traces`,
    timeoutMillis: 500,
    protocol: 'http/protobuf',
  });
  const result = await new Promise<ExportResult>((resolve) => {
    exporter.export(finishedSpans(), resolve);
  });
  await exporter.shutdown();
  assert.equal(result.code, ExportResultCode.FAILED);
});

test('the standard headers and compression settings are honoured', async (t) => {
  const { url, received } = await scriptedCollector(t);
  process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS = 'x-tenant=acme,authorization=Bearer%20s3cret';
  process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
  t.after(() => {
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_HEADERS;
    delete process.env.OTEL_EXPORTER_OTLP_COMPRESSION;
  });
  const result = await exportOnce(url, finishedSpans());
  assert.equal(result.code, ExportResultCode.SUCCESS);
  const [request] = received;
  assert.ok(request);
  assert.equal(request.headers['x-tenant'], 'acme');
  assert.equal(request.headers.authorization, 'Bearer s3cret');
  assert.equal(request.headers['content-encoding'], 'gzip');
  assert.deepEqual(spanNames(fromProtobuf(gunzipSync(request.body))), ['first', 'second']);
});
