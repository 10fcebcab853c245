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
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { activeSampleRatio } from './active.ts';
import { keptCallParent } from './head-sampling.ts';
import { startServerSpan, type ServerSpanSink } from './server-span.ts';

export interface TracedRequest {
  readonly method: string;
  readonly path: string;
  readonly requestId: string;
  readonly route: { readonly pattern: string };
  readonly status: number;
  readonly startedAt: number;
  readonly req: { readonly rawHeaders: readonly string[]; readonly httpVersion: string };
  readonly secure: boolean;
  readonly remoteAddress: string;
  appErrorFrom(error: unknown): { readonly status: number };
}

export interface TracedRequestSpan {
  run(inner: () => Promise<void> | void): Promise<void> | void;
  end(c: TracedRequest): void;
}

/**
 * Reads the trace headers from Node's raw header list: touching
 * `req.headers` would make Node build the whole header object, which the
 * fastest routes never need.
 */
const RAW_HEADERS: TextMapGetter<readonly string[]> = {
  keys(raw) {
    const names: string[] = [];
    for (let i = 0; i < raw.length; i += 2) names.push(raw[i]!.toLowerCase());
    return names;
  },
  get: rawHeaderValue,
};

/** The first value of header `name` (lower-case) in Node's raw header list. */
function rawHeaderValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/** The route pattern of a request nothing matched (see http/pipeline/context.ts). */
const UNMATCHED = '*';

/** A request that is not traced: its layers run as they would without tracing. */
const UNTRACED: TracedRequestSpan = {
  run: (inner) => inner(),
  end: () => {},
};

export function createRequestTracer(sink: ServerSpanSink, ratio = activeSampleRatio()) {
  return {
    start(c: TracedRequest): TracedRequestSpan {
      const raw = c.req.rawHeaders;
      const traceparent = rawHeaderValue(raw, 'traceparent');
      const parent = keptCallParent(traceparent, ratio, raw, RAW_HEADERS);
      if (parent === undefined) return UNTRACED;
      const pattern = c.route.pattern;
      const userAgent = rawHeaderValue(raw, 'user-agent');
      const attributes: Attributes = {
        'http.request.method': c.method,
        'url.path': c.path,
        'url.scheme': c.secure ? 'https' : 'http',
        'network.protocol.version': c.req.httpVersion,
        'client.address': c.remoteAddress,
        'throughline.request_id': c.requestId,
      };
      if (pattern !== UNMATCHED) attributes['http.route'] = pattern;
      if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
      const { span, active } = startServerSpan(
        sink,
        parent,
        pattern === UNMATCHED ? c.method : `${c.method} ${pattern}`,
        attributes,
        c.startedAt,
      );
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
