// Tracing for one process: the OpenTelemetry SDK registered globally
// (context in AsyncLocalStorage, W3C trace context on the wire, parent-based
// ratio sampling), spans batched and posted to the collector over OTLP/HTTP
// (protobuf by default, JSON when asked).
//
// Only started when OTEL_EXPORTER_OTLP_ENDPOINT is set, and the SDK is
// imported only then: without an endpoint nothing is loaded or registered,
// and the helpers beside this file (active.ts) skip their spans.

import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Logger } from '../logger.ts';
import { setActiveTracing } from './active.ts';
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
  /** A batch goes when it holds this many spans (512 unless set)… */
  readonly maxBatchSpans?: number | undefined;
  /** …or this long after its first span (5 s unless set). */
  readonly batchDelayMs?: number | undefined;
  /** Spans waiting beyond this many are dropped (2,048 unless set). */
  readonly maxQueuedSpans?: number | undefined;
  /** How long one export may take, retries included (10 s unless set). */
  readonly exportTimeoutMs?: number | undefined;
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

/** The instrumentation scope every span of the service's is reported under. */
const SCOPE = 'throughline';

/** How long one export may take unless set. */
const EXPORT_TIMEOUT_MS = 10_000;

/** Starts tracing when `settings.endpoint` is set; undefined (and nothing done) otherwise. */
export async function startTracing(
  settings: TracingSettings,
  process: TracingProcess,
): Promise<Tracing | undefined> {
  if (settings.endpoint === undefined) return undefined;
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    otlp,
    { EncodedSpanBatches },
    { workerTransport },
    sdk,
    res,
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('./fetch-exporter.ts'),
    import('./encoded-span-batches.ts'),
    import('./worker-transport.ts'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
  ]);
  const exportTimeoutMs = settings.exportTimeoutMs ?? EXPORT_TIMEOUT_MS;
  // OpenTelemetry's batch processor's settings, for its spans and the server
  // spans' batches alike; as the processor has it, a batch is no larger than the queue.
  const maxQueuedSpans = settings.maxQueuedSpans ?? 2_048;
  const batching = {
    maxBatchSpans: Math.min(settings.maxBatchSpans ?? 512, maxQueuedSpans),
    delayMs: settings.batchDelayMs ?? 5_000,
    maxQueuedSpans,
  };
  const exportOptions = {
    url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces`,
    timeoutMillis: exportTimeoutMs,
    protocol: settings.protocol ?? 'http/protobuf',
  } as const;
  // One POST with its settings and retries, made from a worker thread, for
  // the SDK's spans and the server spans' batches.
  const sending = {
    config: otlp.otlpExportConfig(exportOptions),
    transport: workerTransport(exportOptions),
  };
  const exporter = otlp.otlpFetchSpanExporter(exportOptions, sending);
  const resource = res.resourceFromAttributes({
    'service.name': settings.serviceName,
    'service.version': process.serviceVersion,
    'process.pid': globalThis.process.pid,
    'throughline.process.role': process.role,
  });
  const processor = new sdk.BatchSpanProcessor({
    exporter,
    exportTimeoutMillis: exportTimeoutMs,
    maxExportBatchSize: batching.maxBatchSpans,
    scheduledDelayMillis: batching.delayMs,
    maxQueueSize: batching.maxQueuedSpans,
  });
  const provider = new sdk.TracerProvider({
    resource,
    // A caller's decision wins, so a trace is kept or dropped whole across
    // services; a root here (a scheduled job, a relay pass) is drawn by its
    // trace id. Arriving calls never reach this sampler: they are drawn
    // before any span exists (head-sampling.ts) and get a span of their own
    // (server-span.ts) only when kept.
    sampler: new sdk.ParentBasedSampler({
      root: new sdk.TraceIdRatioBasedSampler(settings.sampleRatio),
    }),
    spanProcessors: [processor],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const tracer = provider.getTracer(SCOPE, process.serviceVersion);
  const scope = (tracer as { instrumentationScope?: InstrumentationScope })
    .instrumentationScope ?? { name: SCOPE, version: process.serviceVersion };
  // The spans of arriving calls (server-span.ts) are stamped with the
  // provider's resource and the tracer's scope. In protobuf they are encoded
  // as they end into batches of their own; in JSON they go to the SDK's
  // processor with its spans.
  const batches =
    exportOptions.protocol === 'http/protobuf'
      ? new EncodedSpanBatches({
          resource,
          scope,
          transport: sending.transport,
          exportTimeoutMs,
          ...batching,
        })
      : undefined;
  setActiveTracing({
    tracer,
    serverSpans: {
      resource,
      scope,
      processor,
      ids: new sdk.RandomIdGenerator(),
      ...(batches === undefined ? {} : { batches }),
    },
    ratio: settings.sampleRatio,
  });
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
        setActiveTracing();
        stopRedisSpans();
        await Promise.all([batches?.shutdown(), provider.shutdown()]);
        await sending.transport.close();
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
