// The OTLP/HTTP span exporter, posting with `fetch` rather than node:http.
//
// Why not OpenTelemetry's own node:http transport: node:http's client runs
// much of the same JavaScript as node:http's server (the outgoing-message
// writer, the incoming-message and header parsing, the stream plumbing). A
// few export requests a second of a different shape than the service's own
// traffic are enough for V8 to make that shared code polymorphic and
// optimise it less well, and every request the service answers pays for it.
// `fetch` is Node's bundled undici, an HTTP client of its own that shares
// none of that code. Measured on the `json` benchmark in docs/performance.md
// ("Tracing: the exporter's HTTP client").
//
// Everything else is OpenTelemetry's: the settings (the standard
// OTEL_EXPORTER_OTLP_* headers, timeout and compression variables), the
// encodings, the bounded export queue, the warning on a partial success; the
// retries follow its transport (429, 502, 503, 504 and network errors, up to
// five more attempts with jittered back-off or the collector's Retry-After,
// never past the export's deadline).

import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import {
  createOtlpNetworkExportDelegate,
  OTLPExporterBase,
  type ExportResponse,
  type IExporterTransport,
} from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExporterMetrics,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonTraceSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** The name OpenTelemetry's own exporters give this kind in their self-metrics. */
const COMPONENT_TYPE = 'otlp_http_span_exporter';

const MAX_RETRIES = 5;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_FACTOR = 1.5;
/** ±20 %: exporters that failed together do not all come back together. */
const JITTER = 0.2;

const compress = promisify(gzip);

/** OTLP/HTTP's two encodings (OTEL_EXPORTER_OTLP_PROTOCOL). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Protobuf is the standard's default and the cheaper one end to end. Encoding
 * a batch takes about as long either way, but protobuf is written straight
 * from the spans into one buffer of 40 % of JSON's bytes, where JSON first
 * builds an object tree per span and a string: less garbage, and fewer bytes
 * to copy, send and receive. Measured in docs/performance.md ("Tracing: the
 * exporter's encoding").
 */
const ENCODINGS = {
  'http/protobuf': { serializer: ProtobufTraceSerializer, contentType: 'application/x-protobuf' },
  'http/json': { serializer: JsonTraceSerializer, contentType: 'application/json' },
} as const;

export interface FetchExporterOptions {
  /** The full traces URL (`<endpoint>/v1/traces`). */
  readonly url: string;
  readonly timeoutMillis: number;
  readonly protocol: OtlpProtocol;
}

export function otlpFetchSpanExporter(
  options: FetchExporterOptions,
  { config, transport } = otlpFetchTransport(options),
): SpanExporter {
  const encoding = ENCODINGS[options.protocol];
  return new OTLPExporterBase<ReadableSpan[]>(
    createOtlpNetworkExportDelegate(
      config,
      encoding.serializer,
      createOtlpHttpExporterMetrics(
        COMPONENT_TYPE,
        TraceExporterMetricsHelper,
        config.url,
        undefined,
      ),
      transport,
    ),
  );
}

/**
 * The POST of an encoded batch to the collector, with OpenTelemetry's
 * settings (the OTEL_EXPORTER_OTLP_* headers, timeout and compression) and
 * the retries: what the exporter above sends with, and what the server
 * spans' own batches (encoded-span-batches.ts) send with.
 */
export function otlpFetchTransport(options: FetchExporterOptions) {
  const config = otlpExportConfig(options);
  const transport = retrying(
    fetchTransport(config.url, config.headers, config.compression === 'gzip'),
  );
  return { config, transport };
}

/** The exporter's settings: the URL, the OTEL_EXPORTER_OTLP_* headers, timeout and compression. */
export function otlpExportConfig(options: FetchExporterOptions) {
  // Deprecated for a successor not exported yet; OpenTelemetry's own OTLP
  // exporters of this version build their settings with it too.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
  return convertLegacyHttpOptions(options, 'TRACES', 'v1/traces', {
    'Content-Type': ENCODINGS[options.protocol].contentType,
  });
}

/** One POST per export: success, a failure, or a failure worth another try. */
function fetchTransport(
  url: string,
  headers: () => Promise<Record<string, string>>,
  gzipped: boolean,
): IExporterTransport {
  return {
    async send(data, timeoutMillis): Promise<ExportResponse> {
      try {
        const sent = { ...(await headers()) };
        let body: Uint8Array = data;
        if (gzipped) {
          body = await compress(data);
          sent['Content-Encoding'] = 'gzip';
        }
        const response = await fetch(url, {
          method: 'POST',
          headers: sent,
          body,
          signal: AbortSignal.timeout(timeoutMillis),
        });
        const answer = new Uint8Array(await response.arrayBuffer());
        if (response.ok) return { status: 'success', data: answer };
        const error = new Error(`collector answered ${response.status}`);
        if (!RETRYABLE_STATUS.has(response.status)) return { status: 'failure', error };
        const retryInMillis = retryAfterMs(response.headers.get('retry-after'));
        return retryInMillis === undefined
          ? { status: 'retryable', error }
          : { status: 'retryable', error, retryInMillis };
      } catch (error) {
        // A refused or reset connection, a timeout: the collector may come back.
        return {
          status: 'retryable',
          error: error instanceof Error ? error : new Error(String(error)),
        };
      }
    },
    shutdown() {},
  };
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** `Retry-After` in seconds or as a date; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isInteger(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Tries again while the answer is retryable, attempts remain and the deadline allows. */
function retrying(transport: IExporterTransport): IExporterTransport {
  return {
    async send(data, timeoutMillis) {
      const deadline = Date.now() + timeoutMillis;
      let backoff = FIRST_BACKOFF_MS;
      let result = await transport.send(data, timeoutMillis);
      for (let retry = 0; result.status === 'retryable' && retry < MAX_RETRIES; retry++) {
        const jittered = Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
        backoff *= BACKOFF_FACTOR;
        const waitMs = result.retryInMillis ?? jittered;
        const left = deadline - Date.now();
        if (waitMs > left) break;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        result = await transport.send(data, deadline - Date.now());
      }
      if (result.status !== 'success') diag.info(`span export gave up: ${result.status}`);
      return result;
    },
    shutdown() {
      transport.shutdown();
    },
  };
}
