// The trace and span ids of the current span, for pino's `mixin`: every line
// written while a request or a job is being handled — the access log's line,
// the request's child logger, a job handler's logger — carries them, so a
// log search finds the trace and a trace finds its log lines.

import { context, trace } from '@opentelemetry/api';

/** Nothing to add: the logger keeps the line's own fields as they are. */
const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/** A fresh object for a traced line: pino merges the line's own fields into it. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (span === undefined) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
