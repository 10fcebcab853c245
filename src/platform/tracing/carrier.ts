// Trace context carried inside stored work — a job's payload, an outbox
// event — so that what runs later, in another process, continues the trace
// of the request that caused it. The context is the W3C `traceparent` (and
// `tracestate`) the same propagator writes on the wire, kept under one
// reserved field of the JSON payload and taken off again before the payload
// reaches the code that handles it.

import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { JsonValue } from '../../ports/queue.ts';
import { activeTracer } from './active.ts';

/** The reserved payload field; no payload of ours uses a leading underscore. */
export const TRACE_FIELD = '_trace';

export interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The current trace context, or undefined outside a trace (or with tracing off). */
export function captureTraceContext(within?: Context): TraceCarrier | undefined {
  if (activeTracer() === undefined) return undefined;
  const from = within ?? context.active();
  if (trace.getSpanContext(from) === undefined) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  const traceparent = carrier.traceparent;
  if (traceparent === undefined) return undefined;
  const tracestate = carrier.tracestate;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** The context a carrier stands for (the root context when there is none). */
export function contextFromCarrier(carrier: TraceCarrier | undefined): Context {
  if (carrier === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** Runs `fn` inside the carried context, so spans it starts continue that trace. */
export function withCarriedContext<T>(carrier: TraceCarrier | undefined, fn: () => T): T {
  if (carrier === undefined || activeTracer() === undefined) return fn();
  return context.with(contextFromCarrier(carrier), fn);
}

/** `payload` with the carrier added, when it is a JSON object and there is one. */
export function attachTraceContext(
  payload: JsonValue,
  carrier: TraceCarrier | undefined = captureTraceContext(),
): JsonValue {
  if (carrier === undefined || !isJsonObject(payload)) return payload;
  return { ...payload, [TRACE_FIELD]: { ...carrier } };
}

/** The payload without its carrier, and the carrier (undefined when it had none). */
export function detachTraceContext<T>(payload: T): {
  readonly payload: T;
  readonly carrier: TraceCarrier | undefined;
} {
  if (!isJsonObject(payload) || !(TRACE_FIELD in payload)) return { payload, carrier: undefined };
  const { [TRACE_FIELD]: carried, ...rest } = payload as Record<string, unknown>;
  return { payload: rest as T, carrier: asCarrier(carried) };
}

function asCarrier(value: unknown): TraceCarrier | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { traceparent, tracestate } = value as Record<string, unknown>;
  if (typeof traceparent !== 'string') return undefined;
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

function isJsonObject(value: unknown): value is { readonly [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
