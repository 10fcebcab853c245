// Whether this process traces, and the tracer it traces with. Set once at
// start-up by `startTracing` (tracing.ts) when an endpoint is configured;
// everything that would add spans asks here first, so a process without an
// endpoint installs no hook and pays nothing per request, query or job —
// not even a no-op span.

import type { Tracer } from '@opentelemetry/api';
import type { ServerSpanSink } from './server-span.ts';

let tracer: Tracer | undefined;
let serverSpans: ServerSpanSink | undefined;
let sampleRatio = 1;

/** The process's tracer, or undefined when tracing is off. */
export function activeTracer(): Tracer | undefined {
  return tracer;
}

/** Where the spans of arriving calls go (server-span.ts), or undefined when tracing is off. */
export function activeServerSpans(): ServerSpanSink | undefined {
  return serverSpans;
}

/** The share of traces that start here and are kept (OTEL_TRACES_SAMPLER_ARG). */
export function activeSampleRatio(): number {
  return sampleRatio;
}

/** Called by `startTracing`, and by its shutdown with nothing. */
export function setActiveTracing(active?: {
  tracer: Tracer;
  serverSpans: ServerSpanSink;
  ratio: number;
}): void {
  tracer = active?.tracer;
  serverSpans = active?.serverSpans;
  sampleRatio = active?.ratio ?? 1;
}
