// A finished span in OTLP's protobuf encoding (opentelemetry/proto,
// trace/v1/trace.proto and common/v1/common.proto), written as it ends, and
// the export request that wraps a batch of them.
//
// Why not OpenTelemetry's own encoder: it encodes a batch when the batch is
// sent, so every span waits for its batch as objects (the span, its
// attributes, its ids), long enough to outlive a young-generation
// collection or two and be copied into the old generation; at 10 % sampling
// that copying was the larger part of what keeping spans cost
// (docs/performance.md, "Tracing: spans encoded as they end"). Written at the
// end, a span is a few hundred bytes in one buffer and its objects die young.
//
// The bytes are the same as OpenTelemetry's encoder writes for the same
// spans, field for field and in the same order; otlp-span-encoding.test.ts
// holds them to it.

import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { ProtobufWriter } from './protobuf-writer.ts';

/** `SpanContext.isRemote` known, in the span flags' bits 8 and 9 (trace.proto, SpanFlags). */
const FLAG_HAS_IS_REMOTE = 0x100;
const FLAG_IS_REMOTE = 0x200;

/** One `Span` message, with its field tag and length: an entry of `ScopeSpans.spans`. */
export function writeSpanEntry(w: ProtobufWriter, span: ReadableSpan): void {
  w.tag(2, 2);
  const start = w.begin();
  const context = span.spanContext();
  writeIds(w, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, 2);
    w.hexBytes(parent.spanId);
  }
  w.tag(5, 2);
  w.string(span.name);
  // The proto's SpanKind counts from UNSPECIFIED = 0; the API's from INTERNAL = 0.
  w.tag(6, 0);
  w.varint(span.kind + 1);
  w.tag(7, 1);
  writeTime(w, span.startTime);
  w.tag(8, 1);
  writeTime(w, span.endTime);
  writeAttributes(w, span.attributes, 9);
  w.tag(10, 0);
  w.varint(span.droppedAttributesCount);
  for (const event of span.events) writeEvent(w, event);
  w.tag(12, 0);
  w.varint(span.droppedEventsCount);
  for (const link of span.links) writeLink(w, link);
  w.tag(14, 0);
  w.varint(span.droppedLinksCount);
  w.tag(15, 2);
  const status = w.begin();
  if (span.status.message) {
    w.tag(2, 2);
    w.string(span.status.message);
  }
  w.tag(3, 0);
  w.varint(span.status.code);
  w.end(status);
  w.tag(16, 5);
  w.fixed32(spanFlags(context, parent?.isRemote));
  w.end(start);
}

/**
 * An `ExportTraceServiceRequest` of one resource and one scope, around
 * `entries` (spans written by `writeSpanEntry`).
 */
export function writeExportRequest(
  w: ProtobufWriter,
  resource: Resource,
  scope: InstrumentationScope,
  entries: Uint8Array,
): void {
  w.tag(1, 2);
  const resourceSpans = w.begin();
  w.tag(1, 2);
  const resourceStart = w.begin();
  writeAttributes(w, resource.attributes, 1);
  w.tag(2, 0);
  w.varint(0);
  w.end(resourceStart);
  w.tag(2, 2);
  const scopeSpans = w.begin();
  w.tag(1, 2);
  const scopeStart = w.begin();
  w.tag(1, 2);
  w.string(scope.name);
  if (scope.version) {
    w.tag(2, 2);
    w.string(scope.version);
  }
  w.end(scopeStart);
  w.raw(entries);
  if (scope.schemaUrl) {
    w.tag(3, 2);
    w.string(scope.schemaUrl);
  }
  w.end(scopeSpans);
  if (resource.schemaUrl) {
    w.tag(3, 2);
    w.string(resource.schemaUrl);
  }
  w.end(resourceSpans);
}

/** Fields 1 to 3 of a Span and of a Link alike: trace id, span id, trace state. */
function writeIds(w: ProtobufWriter, context: SpanContext): void {
  w.tag(1, 2);
  w.hexBytes(context.traceId);
  w.tag(2, 2);
  w.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.tag(3, 2);
    w.string(traceState);
  }
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | FLAG_HAS_IS_REMOTE | (isRemote ? FLAG_IS_REMOTE : 0);
}

function writeEvent(w: ProtobufWriter, event: TimedEvent): void {
  w.tag(11, 2);
  const start = w.begin();
  w.tag(1, 1);
  writeTime(w, event.time);
  w.tag(2, 2);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, event.attributes, 3);
  w.tag(4, 0);
  w.varint(event.droppedAttributesCount ?? 0);
  w.end(start);
}

function writeLink(w: ProtobufWriter, link: Link): void {
  w.tag(13, 2);
  const start = w.begin();
  const context = link.context;
  writeIds(w, context);
  if (link.attributes) writeAttributes(w, link.attributes, 4);
  w.tag(5, 0);
  w.varint(link.droppedAttributesCount ?? 0);
  w.tag(6, 5);
  w.fixed32(spanFlags(context, context.isRemote));
  w.end(start);
}

function writeAttributes(w: ProtobufWriter, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    w.tag(field, 2);
    const start = w.begin();
    writeKeyValue(w, key, attributes[key]);
    w.end(start);
  }
}

function writeKeyValue(w: ProtobufWriter, key: string, value: unknown): void {
  w.raw(encodedKey(key));
  w.tag(2, 2);
  const start = w.begin();
  writeAnyValue(w, value);
  w.end(start);
}

/**
 * A KeyValue's key field (tag, length, UTF-8), kept per key: attribute keys
 * come from a small fixed vocabulary (`http.request.method`, `url.path`…)
 * and make up most of a span's text, so each is encoded once. Bounded, for
 * a caller that makes keys up as it goes: past the bound, keys are encoded
 * each time.
 */
const encodedKeys = new Map<string, Uint8Array>();
const MAX_ENCODED_KEYS = 1024;
const keyWriter = new ProtobufWriter(256);

function encodedKey(key: string): Uint8Array {
  const known = encodedKeys.get(key);
  if (known !== undefined) return known;
  keyWriter.reset();
  keyWriter.tag(1, 2);
  keyWriter.string(key);
  const encoded = keyWriter.written().slice();
  if (encodedKeys.size < MAX_ENCODED_KEYS) encodedKeys.set(key, encoded);
  return encoded;
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** common.proto's AnyValue; a value of no kind it has (undefined, null) is left empty. */
function writeAnyValue(w: ProtobufWriter, value: unknown): void {
  if (typeof value === 'string') {
    w.tag(1, 2);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, 0);
    w.varint(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
      w.tag(3, 0);
      w.varint(value);
    } else {
      w.tag(4, 1);
      w.double(value);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, 2);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, 2);
    const start = w.begin();
    for (const item of value as unknown[]) {
      w.tag(1, 2);
      const itemStart = w.begin();
      writeAnyValue(w, item);
      w.end(itemStart);
    }
    w.end(start);
  } else if (typeof value === 'object' && value !== null) {
    w.tag(6, 2);
    const start = w.begin();
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      w.tag(1, 2);
      const entry = w.begin();
      writeKeyValue(w, key, (value as Record<string, unknown>)[key]);
      w.end(entry);
    }
    w.end(start);
  }
}

/** [seconds, nanoseconds] as fixed64 nanoseconds, without losing the nanoseconds past 2^53. */
function writeTime(w: ProtobufWriter, [seconds, nanos]: HrTime): void {
  // seconds × 1e9 + nanos in two 32-bit halves: seconds split at 16 bits
  // keeps every product below 2^53.
  const lowSeconds = seconds & 0xffff;
  const highSeconds = Math.floor(seconds / 0x10000);
  const fromLow = lowSeconds * 1e9;
  const fromHigh = highSeconds * 1e9; // × 2^16 still to come
  const low = (fromLow % TWO_32) + (fromHigh % 0x10000) * 0x10000 + nanos;
  const high =
    Math.floor(fromLow / TWO_32) + Math.floor(fromHigh / 0x10000) + Math.floor(low / TWO_32);
  w.fixed64(low % TWO_32, high);
}

const TWO_32 = 4_294_967_296;
