// Tracing around the job queue, whatever its engine: enqueueing inside a
// trace adds a producer span and writes its context into the job's payload
// (carrier.ts); handling the job runs in a consumer span that continues that
// trace — in this process or another, now or hours later after retries — and
// hands the handler the payload as it was enqueued. Jobs enqueued outside a
// trace (schedules, maintenance) start a trace of their own when handled.
//
// The queue is wrapped in place, so it keeps its identity and whatever else
// its engine offers; applied by the composition root only with tracing on.

import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import type {
  EnqueuedFlow,
  EnqueueOptions,
  Flow,
  FlowJob,
  Job,
  JobHandler,
  JobQueue,
  JsonValue,
} from '../../ports/queue.ts';
import {
  attachTraceContext,
  captureTraceContext,
  contextFromCarrier,
  detachTraceContext,
} from './carrier.ts';
import { inSpan } from './spans.ts';

/** The queue operations that enqueue as part of a caller's transaction. */
export interface TransactionalEnqueue<T> {
  enqueueWithin(
    trx: T,
    name: string,
    payload: JsonValue,
    options?: EnqueueOptions,
  ): Promise<string>;
  enqueueFlowWithin(trx: T, flow: Flow): Promise<EnqueuedFlow>;
}

type Writable<Q> = { -readonly [K in keyof Q]: Q[K] };

export function traceJobQueue<T, Q extends JobQueue & TransactionalEnqueue<T>>(
  queue: Q,
  tracer: Tracer,
  system: string,
): Q {
  const target = queue as Writable<Q>;
  const enqueue = queue.enqueue.bind(queue);
  const enqueueWithin = queue.enqueueWithin.bind(queue);
  const enqueueFlow = queue.enqueueFlow.bind(queue);
  const enqueueFlowWithin = queue.enqueueFlowWithin.bind(queue);
  const process = queue.process.bind(queue);
  const listDead = queue.listDead.bind(queue);

  /** Runs `send` in a producer span for `name` when inside a trace, with the carrier to store. */
  const produce = <R>(
    name: string,
    send: (carry: (payload: JsonValue) => JsonValue) => Promise<R>,
  ) => {
    if (trace.getSpanContext(context.active()) === undefined) return send(unchanged);
    return inSpan(
      tracer,
      `send ${name}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': system,
          'messaging.operation.type': 'send',
          'messaging.destination.name': name,
        },
      },
      () => {
        const carrier = captureTraceContext();
        return send((payload) => attachTraceContext(payload, carrier));
      },
    );
  };
  const carryFlow = (flow: Flow, carry: (payload: JsonValue) => JsonValue): Flow => ({
    ...flow,
    payload: carry(flow.payload),
    children: flow.children.map((child: FlowJob) => ({ ...child, payload: carry(child.payload) })),
  });

  target.enqueue = (name, payload, options) =>
    produce(name, (carry) => enqueue(name, carry(payload), options));
  target.enqueueWithin = (trx, name, payload, options) =>
    produce(name, (carry) => enqueueWithin(trx, name, carry(payload), options));
  target.enqueueFlow = (flow) => produce(flow.name, (carry) => enqueueFlow(carryFlow(flow, carry)));
  target.enqueueFlowWithin = (trx, flow) =>
    produce(flow.name, (carry) => enqueueFlowWithin(trx, carryFlow(flow, carry)));
  target.process = (name, handler, options) => {
    process(name, consumeSpans(tracer, system, name, handler), options);
  };
  // Operators see dead letters as they were enqueued.
  target.listDead = async (name, options) =>
    (await listDead(name, options)).map((dead) => ({
      ...dead,
      payload: detachTraceContext(dead.payload).payload,
    }));
  return queue;
}

function unchanged(payload: JsonValue): JsonValue {
  return payload;
}

function consumeSpans(
  tracer: Tracer,
  system: string,
  name: string,
  handler: JobHandler,
): JobHandler {
  return (job: Job) => {
    const { payload, carrier } = detachTraceContext(job.payload);
    const bare: Job = {
      id: job.id,
      name: job.name,
      payload,
      attempt: job.attempt,
      maxAttempts: job.maxAttempts,
      signal: job.signal,
    };
    return inSpan(
      tracer,
      `process ${name}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromCarrier(carrier),
        attributes: {
          'messaging.system': system,
          'messaging.operation.type': 'process',
          'messaging.destination.name': name,
          'messaging.message.id': job.id,
          'throughline.job.attempt': job.attempt,
        },
      },
      () => handler(bare),
    );
  };
}
