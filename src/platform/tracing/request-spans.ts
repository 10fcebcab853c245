// The server span of an HTTP request (driven by the core's request-tracing
// middleware): the caller's `traceparent`/`tracestate` honoured, named
// `METHOD /route/:pattern` (the pattern, not the path: span names must not
// grow with ids), with the HTTP semantic-convention attributes, the status
// the client got, and an error status for 5xx.
//
// Typed by the few members of the request context it reads, so this
// platform code does not import the HTTP core.

import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

export interface TracedRequest {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly route: { readonly pattern: string };
  readonly status: number;
  readonly startedAt: number;
  readonly req: {
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly httpVersion: string;
  };
  readonly secure: boolean;
  readonly remoteAddress: string;
  header(name: string): string | undefined;
  appErrorFrom(error: unknown): { readonly status: number };
}

export interface TracedRequestSpan {
  run(inner: () => Promise<void> | void): Promise<void> | void;
  end(c: TracedRequest): void;
}

/** The route pattern of a request nothing matched (see http/pipeline/context.ts). */
const UNMATCHED = '*';

export function createRequestTracer(tracer: Tracer) {
  return {
    start(c: TracedRequest): TracedRequestSpan {
      const parent = propagation.extract(ROOT_CONTEXT, c.req.headers);
      const pattern = c.route.pattern;
      const matched = pattern !== UNMATCHED;
      const userAgent = c.header('user-agent');
      const span = tracer.startSpan(
        matched ? `${c.method} ${pattern}` : c.method,
        {
          kind: SpanKind.SERVER,
          startTime: c.startedAt,
          attributes: {
            'http.request.method': c.method,
            'url.path': c.path,
            'url.scheme': c.secure ? 'https' : 'http',
            'network.protocol.version': c.req.httpVersion,
            'client.address': c.remoteAddress,
            'throughline.request_id': c.requestId,
            ...(matched ? { 'http.route': pattern } : {}),
            ...(userAgent === undefined ? {} : { 'user_agent.original': userAgent }),
          },
        },
        parent,
      );
      const active = trace.setSpan(parent, span);
      return {
        run: (inner) => context.with(active, inner),
        end: (finished) => {
          endRequestSpan(span, finished.status);
        },
      };
    },
    failed(c: TracedRequest, error: unknown): void {
      // Client errors (validation, not found) are answers, not failures.
      if (c.appErrorFrom(error).status < 500) return;
      // The status is set when the span ends, from the response's status.
      const span = trace.getActiveSpan();
      if (span === undefined) return;
      if (error instanceof Error) {
        span.recordException(error);
        span.setAttribute('error.type', error.name);
      }
    },
  };
}

function endRequestSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
  span.end();
}
