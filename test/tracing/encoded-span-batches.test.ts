// The server spans' own batches against a real OTLP collector stand-in,
// posted by the exporter's real transport: a full batch goes at once and
// the rest waits for the delay or the shutdown; a batch that is not full
// goes when the delay is up; spans beyond the queue are dropped, counted and
// warned about, while those before them all arrive, in order; a collector's
// partial success (spans it rejected) is warned about too.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';
import {
  EncodedSpanBatches,
  type SpanBatchSettings,
} from '../../src/platform/tracing/encoded-span-batches.ts';
import { otlpFetchTransport } from '../../src/platform/tracing/fetch-exporter.ts';
import { ProtobufWriter } from '../../src/platform/tracing/protobuf-writer.ts';
import { ServerSpan, type ServerSpanSink } from '../../src/platform/tracing/server-span.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';

const resource = resourceFromAttributes({ 'service.name': 'batches-test' });
const scope = { name: 'throughline', version: 'test' };

type Limits = Pick<SpanBatchSettings, 'maxBatchSpans' | 'maxQueuedSpans' | 'delayMs'>;

/** Batches posting to `url` with the exporter's transport, and a sink that ends spans into them. */
function batchesAt(
  t: TestContext,
  url: string,
  limits: Limits = {},
): { batches: EncodedSpanBatches; sink: ServerSpanSink } {
  const batches = new EncodedSpanBatches({
    resource,
    scope,
    transport: otlpFetchTransport({ url, timeoutMillis: 10_000, protocol: 'http/protobuf' })
      .transport,
    exportTimeoutMs: 10_000,
    ...limits,
  });
  t.after(() => batches.shutdown());
  const sink: ServerSpanSink = {
    resource,
    scope,
    processor: {
      onStart: () => {},
      onEnd: () => {
        throw new Error('spans go to their batches, not the processor');
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
    ids: new RandomIdGenerator(),
    batches,
  };
  return { batches, sink };
}

async function batchesTo(
  t: TestContext,
  limits: Limits,
): Promise<{ collector: OtlpReceiver; batches: EncodedSpanBatches; sink: ServerSpanSink }> {
  const collector = await startOtlpReceiver();
  t.after(() => collector.close());
  return { collector, ...batchesAt(t, `${collector.endpoint}/v1/traces`, limits) };
}

function endSpans(sink: ServerSpanSink, count: number): void {
  for (let i = 0; i < count; i++) {
    new ServerSpan(sink, `GET /n/${i}`, { 'url.path': `/n/${i}` }, Date.now(), undefined).end();
  }
}

test('a full batch goes at once; the rest waits for the shutdown', async (t) => {
  const { collector, batches, sink } = await batchesTo(t, { maxBatchSpans: 3, delayMs: 600_000 });
  endSpans(sink, 7);
  await collector.waitFor((spans) => spans.length === 6);
  assert.equal(collector.protobufRequests, 2);
  await batches.shutdown();
  assert.equal(collector.spans.length, 7);
  assert.equal(collector.protobufRequests, 3);
  assert.deepEqual(
    collector.spans.map((span) => span.name),
    Array.from({ length: 7 }, (_, i) => `GET /n/${i}`),
  );
  assert.equal(collector.spans[0]!.kind, 2, 'a server span');
  assert.equal(collector.spans[0]!.resource['service.name'], 'batches-test');
  assert.equal(collector.spans[4]!.attributes['url.path'], '/n/4');
});

test('a batch that is not full goes when the delay is up', async (t) => {
  const { collector, sink } = await batchesTo(t, { maxBatchSpans: 100, delayMs: 50 });
  endSpans(sink, 2);
  await collector.waitFor((spans) => spans.length === 2);
  assert.equal(collector.protobufRequests, 1);
});

/** The warnings OpenTelemetry's diagnostics log gets while the test runs. */
function collectWarnings(t: TestContext): string[] {
  const warnings: string[] = [];
  diag.setLogger(
    {
      error: () => {},
      warn: (message) => warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  t.after(() => {
    diag.disable();
  });
  return warnings;
}

test('spans beyond the queue are dropped and warned about; the others all arrive', async (t) => {
  const warnings = collectWarnings(t);
  const { collector, batches, sink } = await batchesTo(t, {
    maxBatchSpans: 2,
    maxQueuedSpans: 4,
    delayMs: 600_000,
  });
  // Synchronously: the first two go out, the next four wait, the last four find the queue full.
  endSpans(sink, 10);
  await batches.flush();
  assert.deepEqual(
    collector.spans.map((span) => span.name),
    Array.from({ length: 6 }, (_, i) => `GET /n/${i}`),
  );
  assert.equal(collector.protobufRequests, 3);
  assert.ok(
    warnings.some((warning) => warning.includes('dropped 4 spans')),
    `warnings: ${warnings.join('; ')}`,
  );
});

test("a collector's partial success is warned about with what it said", async (t) => {
  const warnings = collectWarnings(t);
  // ExportTraceServiceResponse { partial_success { rejected_spans: 2, error_message } }
  const answer = new ProtobufWriter(64);
  answer.tag(1, 2);
  const partial = answer.begin();
  answer.tag(1, 0);
  answer.varint(2);
  answer.tag(2, 2);
  answer.string('spans too old');
  answer.end(partial);
  const body = answer.written().slice();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  const { batches, sink } = batchesAt(t, `http://127.0.0.1:${port}/v1/traces`);
  endSpans(sink, 3);
  await batches.shutdown();
  assert.ok(
    warnings.includes('the collector rejected 2 spans: spans too old'),
    `warnings: ${warnings.join('; ')}`,
  );
});
