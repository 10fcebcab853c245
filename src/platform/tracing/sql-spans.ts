// A span for every SQL statement run inside a traced request or job, from
// Kysely's `log` hook (the one the slow-query log uses): Kysely calls it when
// the statement has finished, in the caller's async context, with its
// duration, so the span is back-dated to its start and hung under the span
// current at the call. Named by the statement's summary (statement-summary.ts),
// never its values. Statements run outside any sampled span (the relay's and
// the queue's polling) add none.

import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { LogEvent } from 'kysely';
import { activeTracer } from './active.ts';
import { statementSummary } from './statement-summary.ts';

/**
 * Kysely's `log` callback adding the spans for a database (`primary`,
 * `replica-0`, `pglite`), or undefined when tracing is off.
 */
export function querySpans(database: string): ((event: LogEvent) => void) | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  return (event) => {
    const active = context.active();
    if (trace.getSpan(active)?.isRecording() !== true) return;
    const summary = statementSummary(event.query.sql);
    const span = tracer.startSpan(
      summary.name,
      {
        kind: SpanKind.CLIENT,
        startTime: Date.now() - event.queryDurationMillis,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': summary.operation,
          'db.query.summary': summary.name,
          'throughline.db.role': database,
          ...(summary.table === undefined ? {} : { 'db.collection.name': summary.table }),
        },
      },
      active,
    );
    if (event.level === 'error') {
      const error = event.error;
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
}
