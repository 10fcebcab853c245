// The server span of a gRPC call, as request-spans.ts makes one for HTTP:
// the caller's `traceparent`/`tracestate` (in the call's metadata) honoured,
// named `package.Service/Method` with the RPC semantic-convention
// attributes, the status code the caller got, and an error status with the
// exception for a failure on our side. Drawn at the ratio before any span
// exists (head-sampling.ts), so an unkept call costs nothing more.
//
// Typed by what it reads of the call, so this platform code does not import
// the gRPC layer.

import { context, SpanStatusCode, type TextMapGetter } from '@opentelemetry/api';
import { activeSampleRatio } from './active.ts';
import { keptCallParent } from './head-sampling.ts';
import { startServerSpan, type ServerSpanSink } from './server-span.ts';

/** The part of grpc-js's Metadata the span reads. */
export interface CallMetadata {
  get(key: string): readonly (string | Buffer)[];
  getMap(): Readonly<Record<string, string | Buffer>>;
}

export interface RpcCall {
  /** `package.Service`. */
  readonly service: string;
  readonly method: string;
  readonly metadata: CallMetadata;
  readonly requestId: string;
}

export interface RpcSpan {
  run<R>(work: () => Promise<R>): Promise<R>;
  /** `code`: the gRPC status number; `failure`: the error of a call that failed on our side. */
  end(code: number, failure?: { readonly error: unknown }): void;
}

const METADATA: TextMapGetter<CallMetadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => textOf(metadata, key),
};

function textOf(metadata: CallMetadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

const UNTRACED: RpcSpan = {
  run: (work) => work(),
  end: () => {},
};

export function createRpcTracer(sink: ServerSpanSink, ratio = activeSampleRatio()) {
  return {
    start(call: RpcCall): RpcSpan {
      const traceparent = textOf(call.metadata, 'traceparent');
      const parent = keptCallParent(traceparent, ratio, call.metadata, METADATA);
      if (parent === undefined) return UNTRACED;
      const { span, active } = startServerSpan(sink, parent, `${call.service}/${call.method}`, {
        'rpc.system': 'grpc',
        'rpc.service': call.service,
        'rpc.method': call.method,
        'throughline.request_id': call.requestId,
      });
      return {
        run: (work) => context.with(active, work),
        end(code, failure) {
          span.setAttribute('rpc.grpc.status_code', code);
          if (failure !== undefined) {
            if (failure.error instanceof Error) {
              span.recordException(failure.error);
              span.setAttribute('error.type', failure.error.name);
            }
            span.setStatus({ code: SpanStatusCode.ERROR, message: `gRPC status ${code}` });
          }
          span.end();
        },
      };
    },
  };
}
