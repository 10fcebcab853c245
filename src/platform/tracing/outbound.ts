// Calls that leave the service: a client span around the call, and its
// context written into the request's headers (`traceparent`, `tracestate`),
// so the receiver can continue the trace. With tracing off the call runs
// as it is, with no headers added.

import { propagation, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { activeTracer } from './active.ts';
import { inSpan } from './spans.ts';

export interface OutboundCall {
  /** The span's name, e.g. `POST` or `smtp send`. */
  readonly name: string;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/**
 * Runs `call` in a client span, handing it the trace headers to send;
 * `statusOf` reads the HTTP status of what it returned (undefined when no
 * response came), which is recorded, and marks the span failed from 400 up.
 */
export function traceOutbound<T>(
  outbound: OutboundCall,
  call: (traceHeaders: Readonly<Record<string, string>>) => Promise<T>,
  statusOf?: (result: T) => number | undefined,
): Promise<T> {
  const tracer = activeTracer();
  if (tracer === undefined) return call(NO_HEADERS);
  return inSpan(
    tracer,
    outbound.name,
    { kind: SpanKind.CLIENT, attributes: { ...outbound.attributes } },
    async (span) => {
      const headers: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), headers);
      const result = await call(headers);
      if (statusOf !== undefined) {
        const status = statusOf(result);
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (status === undefined || status >= 400) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: status === undefined ? 'no response' : `HTTP ${status}`,
          });
        }
      }
      return result;
    },
  );
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
