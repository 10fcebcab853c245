// The job queue wrapped for tracing (platform/tracing/job-spans.ts) still
// keeps the JobQueue contract. The wrapper does not depend on the backend
// (it only adds to payloads and wraps handlers), so the contract runs once,
// on the postgres queue over PGlite: every enqueue of the suite runs inside a span
// here, so every payload is stored with trace context, and the suite's checks
// of what handlers receive, of flows and of dead letters show that the
// context never reaches them. Then: the consumer span continues the trace of
// the enqueue, with the messaging attributes, and the handler's log lines
// carry its ids.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import {
  createPostgresQueue,
  enqueueFlowOn,
  enqueueOn,
} from '../../src/adapters/queue/postgres.ts';
import { LEASE_MS, runQueueContract } from '../../src/ports/queue.contract.ts';
import type { JobQueue } from '../../src/ports/queue.ts';
import { activeTracer } from '../../src/platform/tracing/active.ts';
import { traceJobQueue, type TransactionalEnqueue } from '../../src/platform/tracing/job-spans.ts';
import { inSpan } from '../../src/platform/tracing/spans.ts';
import { startTracing, type Tracing } from '../../src/platform/tracing/tracing.ts';
import { ENGINES } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts';
import { silentLogger } from '../support/start.ts';

let collector: OtlpReceiver;
let tracing: Tracing;

before(async () => {
  collector = await startOtlpReceiver();
  tracing = (await startTracing(
    { endpoint: collector.endpoint, serviceName: 'queue-test', sampleRatio: 1 },
    { serviceVersion: 'test', role: 'worker' },
  ))!;
});

after(async () => {
  await tracing.shutdown();
  await collector.close();
});

type BaseQueue = JobQueue & { abandon(): void | Promise<void> };

function postgresQueue(sql: Parameters<typeof createPostgresQueue>[0]['sql']) {
  const base = createPostgresQueue({
    sql,
    logger: silentLogger(),
    leaseMs: LEASE_MS,
    pollIntervalMs: 20,
  });
  return Object.assign(base, { enqueueWithin: enqueueOn, enqueueFlowWithin: enqueueFlowOn });
}

/** The queue as the service wraps it, and every enqueue made inside a span of its own. */
function traced<T>(
  base: BaseQueue & TransactionalEnqueue<T>,
  system: string,
): JobQueue & { abandon(): Promise<void> } {
  const tracer = activeTracer()!;
  const queue = traceJobQueue(base, tracer, system);
  const inCaller = <R>(work: () => Promise<R>) =>
    inSpan(tracer, 'caller', { kind: SpanKind.INTERNAL }, work);
  return Object.assign(Object.create(queue) as typeof queue, {
    enqueue: (...args: Parameters<JobQueue['enqueue']>) => inCaller(() => queue.enqueue(...args)),
    enqueueFlow: (...args: Parameters<JobQueue['enqueueFlow']>) =>
      inCaller(() => queue.enqueueFlow(...args)),
    stop: (...args: Parameters<JobQueue['stop']>) => base.stop(...args),
    abandon: async () => {
      await base.abandon();
    },
  });
}

const pglite = ENGINES.find((engine) => engine.name === 'pglite')!;

runQueueContract('postgres on pglite, traced', async () => {
  const database = await pglite.open();
  return {
    open: () => {
      const queue = traced(postgresQueue(database.sql), 'postgres');
      return Promise.resolve({ queue, crash: () => queue.abandon() });
    },
    close: () => database.close(),
  };
});

test('a handled job continues the trace of its enqueue', async () => {
  const database = await pglite.open();
  const queue = traced(postgresQueue(database.sql), 'postgres');
  const logIds: Record<string, string>[] = [];
  try {
    const name = `traced-${Math.random().toString(36).slice(2, 10)}.job`;
    const payloads: unknown[] = [];
    queue.process(name, (job) => {
      payloads.push(job.payload);
      // What a job's log lines carry (the logger's mixin).
      logIds.push(tracing.logFields());
      return Promise.resolve();
    });
    await queue.enqueue(name, { orderId: '7' });
    await eventually('the job handled', () => payloads.length === 1 || undefined, {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    assert.deepEqual(payloads, [{ orderId: '7' }]);
    await queue.stop();
    await tracing.shutdown().catch(() => {});
  } finally {
    await database.close();
  }
  // Shutdown above flushed the spans of this test (and the suite's).
  const producer = collector.spans.find(
    (span) =>
      span.kind === 4 &&
      String(span.attributes['messaging.destination.name']).startsWith('traced-'),
  );
  assert.ok(producer);
  const consumer = collector.spans.find(
    (span) => span.kind === 5 && span.parentSpanId === producer.spanId,
  );
  assert.ok(consumer, 'the consumer span is a child of the producer span');
  assert.equal(consumer.traceId, producer.traceId);
  assert.equal(consumer.attributes['messaging.system'], 'postgres');
  assert.equal(consumer.attributes['throughline.job.attempt'], 1);
  assert.deepEqual(logIds, [{ trace_id: consumer.traceId, span_id: consumer.spanId }]);
  const caller = collector.spans.find((span) => span.spanId === producer.parentSpanId);
  assert.equal(caller?.name, 'caller');
});
