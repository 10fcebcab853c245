// Request tracing: one server span per request, named by the route's pattern
// (`GET /api/v1/products/:id`), current while every other layer runs, so the
// spans of the queries and calls a request makes are its children and its
// log lines carry its ids. The core stays free of any tracing library: the
// middleware drives a tracer the composition root hands it
// (platform/tracing), and is installed only when tracing is on.
//
// Two layers, both in the access-log phase: `outer` is registered before the
// request metrics and the access log, so the span covers them and the access
// log's line is written inside it; `errors` is registered after the access
// log, inside it, to see an error before the access log turns it into its
// problem response.

import type { Context } from '../../pipeline/context.ts';
import {
  afterInner,
  isPromise,
  middleware,
  type Middleware,
  type Next,
} from '../../pipeline/pipeline.ts';

export interface RequestTracer {
  /** Starts the request's span, continuing the caller's trace when it sent one. */
  start(c: Context): RequestSpan;
  /** An error thrown by an inner layer, for the current request's span. */
  failed(c: Context, error: unknown): void;
}

export interface RequestSpan {
  /** Runs the inner layers with the span current. */
  run(inner: Next): Promise<void> | void;
  /** Ends the span with the response's status. */
  end(c: Context): void;
}

export interface RequestTracing {
  readonly outer: Middleware;
  readonly errors: Middleware;
}

export function requestTracing(tracer: RequestTracer): RequestTracing {
  const outer = middleware('request-tracing', 'accessLog', (c, next) => {
    const span = tracer.start(c);
    let inner: Promise<void> | void;
    try {
      inner = span.run(next);
    } catch (error) {
      span.end(c);
      throw error;
    }
    if (!isPromise(inner)) {
      span.end(c);
      return;
    }
    return inner.then(
      () => {
        span.end(c);
      },
      (error: unknown) => {
        span.end(c);
        throw error;
      },
    );
  });
  const settle = (c: Context, failed: boolean, error: unknown): void => {
    if (!failed) return;
    tracer.failed(c, error);
    throw error;
  };
  const errors = middleware('request-tracing-errors', 'accessLog', (c, next) =>
    afterInner(c, next, settle),
  );
  return { outer, errors };
}
