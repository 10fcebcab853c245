// Tracing for one process: the OpenTelemetry SDK registered globally
// (context in AsyncLocalStorage, W3C trace context on the wire, parent-based
// ratio sampling), spans batched and posted to the collector over OTLP/HTTP
// (protobuf by default, JSON when asked).
//
// Only started when OTEL_EXPORTER_OTLP_ENDPOINT is set, and the SDK is
// imported only then: without an endpoint nothing is loaded or registered,
// and the helpers beside this file (active.ts) skip their spans.

import { context, diag, DiagLogLevel, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { Sampler } from '@opentelemetry/sdk-trace';
import type { Logger } from '../logger.ts';
import { setActiveTracer } from './active.ts';
import type { OtlpProtocol } from './fetch-exporter.ts';
import { traceLogFields } from './log-fields.ts';
import { startRedisSpans } from './redis-spans.ts';

export interface TracingSettings {
  /** The collector's base URL; unset = no tracing. */
  readonly endpoint?: string | undefined;
  readonly serviceName: string;
  /** OTLP's encoding of the batches; protobuf when unset. */
  readonly protocol?: OtlpProtocol | undefined;
  /** The share of new traces kept, 0 to 1. */
  readonly sampleRatio: number;
}

export interface TracingProcess {
  readonly serviceVersion: string;
  /** `web` or `worker`: which of the service's processes the spans come from. */
  readonly role: string;
}

export interface Tracing {
  /** pino's `mixin`: the current span's ids on every line written inside it. */
  readonly logFields: () => Record<string, string>;
  /** Sends the SDK's own complaints (a collector that cannot be reached) to `logger`. */
  reportTo(logger: Logger): void;
  /** Exports what is buffered and unregisters; for the lifecycle. */
  shutdown(): Promise<void>;
}

/** How long the spans still buffered at shutdown may take to go out. */
const EXPORT_TIMEOUT_MS = 10_000;

/** Starts tracing when `settings.endpoint` is set; undefined (and nothing done) otherwise. */
export async function startTracing(
  settings: TracingSettings,
  process: TracingProcess,
): Promise<Tracing | undefined> {
  if (settings.endpoint === undefined) return undefined;
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, otlp, sdk, res] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('./fetch-exporter.ts'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/resources'),
    ]);
  const exporter = otlp.otlpFetchSpanExporter({
    url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`,
    timeoutMillis: EXPORT_TIMEOUT_MS,
    protocol: settings.protocol ?? 'http/protobuf',
  });
  const provider = new sdk.TracerProvider({
    resource: res.resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.version': process.serviceVersion,
      'process.pid': globalThis.process.pid,
      'throughline.process.role': process.role,
    }),
    // A caller's decision wins, so a trace is kept or dropped whole across
    // services; only traces that start here are drawn at the ratio.
    sampler: new sdk.ParentBasedSampler({ root: rootSampler(sdk, settings.sampleRatio) }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({ exporter, exportTimeoutMillis: EXPORT_TIMEOUT_MS }),
    ],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer('throughline', process.serviceVersion);
  setActiveTracer(tracer, settings.sampleRatio);
  const stopRedisSpans = startRedisSpans(tracer);

  let stopped: Promise<void> | undefined;
  return {
    logFields: traceLogFields,
    reportTo(logger) {
      const log = logger.child({ component: 'tracing' });
      diag.setLogger(
        {
          error: (message, ...args) => {
            log.warn({ args }, message);
          },
          warn: (message, ...args) => {
            log.warn({ args }, message);
          },
          info: () => {},
          debug: () => {},
          verbose: () => {},
        },
        { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
      );
    },
    shutdown() {
      stopped ??= (async () => {
        setActiveTracer(undefined);
        stopRedisSpans();
        await provider.shutdown();
        trace.disable();
        propagation.disable();
        context.disable();
        contextManager.disable();
        diag.disable();
      })();
      return stopped;
    },
  };
}

/**
 * Traces that start here: the span of an arriving request or gRPC call is
 * only started once it has been drawn at the ratio (head-sampling.ts), so an
 * unsampled one costs no span, no context and no ids; it is kept. Every
 * other root (a scheduled job, a relay pass) is drawn here by its trace id.
 */
function rootSampler(sdk: typeof import('@opentelemetry/sdk-trace'), ratio: number): Sampler {
  const byTraceId = new sdk.TraceIdRatioBasedSampler(ratio);
  const kept = { decision: sdk.SamplingDecision.RECORD_AND_SAMPLED };
  return {
    shouldSample(parent, traceId, _name, kind) {
      if (kind === SpanKind.SERVER) return kept;
      return byTraceId.shouldSample(parent, traceId);
    },
    toString: () => `RequestsDrawnFirst{${byTraceId.toString()}}`,
  };
}
