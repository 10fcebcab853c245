// The span of an arriving call (an HTTP request, a gRPC call), kept in plain
// fields while the call runs. When it ends it is encoded into its batch at
// once when spans go out as protobuf (encoded-span-batches.ts), or handed
// to the SDK's span processors as a finished `ReadableSpan` (JSON): either
// way, what it is read as is the SDK's `ReadableSpan`.
//
// Why not the SDK's own span: it does work per span that a call drawn at
// arrival does not need (attribute limits and checks, a sampler that has
// already decided, two clocks read and reconciled, processors told at the
// start). This one records what the call sets and converts it to the SDK's
// forms (high-resolution times, the exporter's fields) only when it is
// encoded: at 10 % sampling, about 2 µs less per request on the JSON
// benchmark. Measured in docs/performance.md ("Tracing: a span of our own
// for arriving calls").
//
// It still is a full span for everything else: it is what `trace.getSpan`
// returns while the call runs, so the SDK's child spans (queries, outbound
// calls) take their trace and parent from it, and the log lines their ids.

import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type AnyValue,
  type Attributes,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type {
  IdGenerator,
  ReadableSpan,
  SpanProcessor,
  TimedEvent,
} from '@opentelemetry/sdk-trace';
import type { EncodedSpanBatches } from './encoded-span-batches.ts';
import { contextWithSpan } from './span-context.ts';

/** Where finished server spans go, and what they are stamped with: the provider's own. */
export interface ServerSpanSink {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly processor: SpanProcessor;
  readonly ids: IdGenerator;
  /**
   * When spans go out as OTLP protobuf: their batches, which encode each
   * span as it ends (encoded-span-batches.ts) instead of the processor.
   */
  readonly batches?: EncodedSpanBatches;
}

const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };

/**
 * Starts the span of a kept call under `parent` (the caller's context from
 * head-sampling.ts, or the root for a new trace); `active` is the context
 * the call runs in, with the span current.
 */
export function startServerSpan(
  sink: ServerSpanSink,
  parent: Context,
  name: string,
  attributes: Attributes,
  startMs = epochNowMs(),
): { span: ServerSpan; active: Context } {
  const span = new ServerSpan(sink, name, attributes, startMs, trace.getSpanContext(parent));
  return { span, active: contextWithSpan(parent, span) };
}

export class ServerSpan implements Span, ReadableSpan {
  readonly #context: SpanContext;
  readonly #sink: ServerSpanSink;
  /** Epoch milliseconds, with the sub-millisecond part `performance.now()` gives. */
  readonly #startMs: number;
  #endMs = -1;
  name: string;
  readonly kind = SpanKind.SERVER;
  readonly attributes: Attributes;
  /** The caller's span when it sent one; none for a new trace. */
  readonly parentSpanContext: SpanContext | undefined;
  status: SpanStatus = UNSET;
  // Most spans get no event and no link: the arrays are made on the first.
  #links: Link[] | undefined;
  #events: TimedEvent[] | undefined;

  constructor(
    sink: ServerSpanSink,
    name: string,
    attributes: Attributes,
    startMs: number,
    parentSpanContext: SpanContext | undefined,
  ) {
    this.#sink = sink;
    this.name = name;
    this.attributes = attributes;
    this.#startMs = startMs;
    this.parentSpanContext = parentSpanContext;
    this.#context = {
      traceId: parentSpanContext?.traceId ?? sink.ids.generateTraceId(),
      spanId: sink.ids.generateSpanId(),
      // Only kept calls get a span (head-sampling.ts): it is always sampled.
      traceFlags: TraceFlags.SAMPLED,
      ...(parentSpanContext?.traceState === undefined
        ? {}
        : { traceState: parentSpanContext.traceState }),
    };
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AnyValue): this {
    if (this.#endMs < 0 && value !== undefined && value !== null) this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) this.setAttribute(key, value);
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.#endMs >= 0) return this;
    const attributesGiven =
      attributesOrTime !== undefined && !isTimeInput(attributesOrTime) ? attributesOrTime : {};
    const at = isTimeInput(attributesOrTime) ? attributesOrTime : time;
    (this.#events ??= []).push({
      name,
      attributes: attributesGiven,
      time: toHrTime(at === undefined ? epochNowMs() : toMs(at)),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.#endMs < 0) (this.#links ??= []).push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.#endMs < 0) this.status = status;
    return this;
  }

  updateName(name: string): this {
    if (this.#endMs < 0) this.name = name;
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else {
      const type =
        exception.name ?? (exception.code === undefined ? undefined : String(exception.code));
      if (type !== undefined) attributes['exception.type'] = type;
      if (exception.message !== undefined) attributes['exception.message'] = exception.message;
      if (exception.stack !== undefined) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }

  isRecording(): boolean {
    return this.#endMs < 0;
  }

  /** Ends the span once (later calls do nothing) and hands it to its batches or the processor. */
  end(endTime?: TimeInput): void {
    if (this.#endMs >= 0) return;
    this.#endMs = Math.max(this.#startMs, endTime === undefined ? epochNowMs() : toMs(endTime));
    const batches = this.#sink.batches;
    if (batches === undefined) this.#sink.processor.onEnd(this);
    else batches.add(this);
  }

  // What the processors and exporters read, in the SDK's forms.

  get startTime(): HrTime {
    return toHrTime(this.#startMs);
  }

  get endTime(): HrTime {
    return toHrTime(Math.max(this.#endMs, this.#startMs));
  }

  get duration(): HrTime {
    return this.#endMs < 0 ? [-1, -1] : toHrTime(this.#endMs - this.#startMs);
  }

  get links(): Link[] {
    return this.#links ?? [];
  }

  get events(): TimedEvent[] {
    return this.#events ?? [];
  }

  get ended(): boolean {
    return this.#endMs >= 0;
  }

  get resource(): Resource {
    return this.#sink.resource;
  }

  get instrumentationScope(): InstrumentationScope {
    return this.#sink.scope;
  }

  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
}

/** Now, in epoch milliseconds with `performance.now()`'s resolution. */
function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The API's time inputs in epoch milliseconds. A number no later than
 * `performance.now()` is one of its readings (time since the process
 * started), as the SDK's spans take it; any other number is epoch time.
 */
function toMs(time: TimeInput): number {
  if (typeof time === 'number') {
    return time <= performance.now() ? performance.timeOrigin + time : time;
  }
  if (time instanceof Date) return time.getTime();
  return time[0] * 1e3 + time[1] / 1e6;
}

function isTimeInput(value: unknown): value is TimeInput {
  return (
    typeof value === 'number' ||
    value instanceof Date ||
    (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number')
  );
}

/** Epoch milliseconds as OpenTelemetry's [seconds, nanoseconds]. */
export function toHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1e3);
  const nanos = Math.round((ms - seconds * 1e3) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}
