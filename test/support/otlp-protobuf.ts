// Reads an OTLP trace export request in protobuf's wire encoding, for the
// tests' collector stand-in: the parts the tests look at, in the shape
// OTLP's JSON encoding gives them (ids as lower-case hex), so the receiver
// keeps spans the same way whichever encoding the exporter chose.
//
// Field numbers from opentelemetry/proto/trace/v1/trace.proto and
// common/v1/common.proto. Fields the tests do not read are skipped.

export interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number };
        events?: { name: string }[];
      }[];
    }[];
  }[];
}

type Span = NonNullable<
  NonNullable<NonNullable<ExportRequest['resourceSpans']>[number]['scopeSpans']>[number]['spans']
>[number];

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The varint (as a bigint: int64 values do not fit a double), or undefined. */
  readonly varint: bigint | undefined;
  /** The bytes of a length-delimited or fixed-width field. */
  readonly bytes: Uint8Array;
}

/** Every field of one message, in order. */
function* fields(message: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= message.length) throw new Error('truncated varint');
      const byte = message[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  const take = (length: number): Uint8Array => {
    if (at + length > message.length) throw new Error('truncated field');
    const bytes = message.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < message.length) {
    const tag = Number(varint());
    const number = tag >>> 3;
    const wireType = tag & 7;
    switch (wireType) {
      case VARINT:
        yield { number, wireType, varint: varint(), bytes: new Uint8Array() };
        break;
      case FIXED64:
        yield { number, wireType, varint: undefined, bytes: take(8) };
        break;
      case LENGTH_DELIMITED:
        yield { number, wireType, varint: undefined, bytes: take(Number(varint())) };
        break;
      case FIXED32:
        yield { number, wireType, varint: undefined, bytes: take(4) };
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Every field `number` of `message` (a repeated one), each read by `read`. */
function repeated<T>(message: Uint8Array, number: number, read: (field: Field) => T): T[] {
  const found: T[] = [];
  for (const field of fields(message)) if (field.number === number) found.push(read(field));
  return found;
}

/** The last field `number` of `message` (a singular one: the last wins), read by `read`. */
function last<T>(message: Uint8Array, number: number, read: (field: Field) => T, absent: T): T {
  return repeated(message, number, read).at(-1) ?? absent;
}

function anyValue(message: Uint8Array): AnyValue {
  for (const field of fields(message)) {
    switch (field.number) {
      case 1:
        return { stringValue: text(field.bytes) };
      case 2:
        return { boolValue: field.varint !== 0n };
      case 3:
        return { intValue: BigInt.asIntN(64, field.varint!).toString() };
      case 4:
        return { doubleValue: Buffer.from(field.bytes).readDoubleLE(0) };
      case 5:
        return { arrayValue: { values: repeated(field.bytes, 1, (item) => anyValue(item.bytes)) } };
    }
  }
  return {};
}

function keyValue(message: Uint8Array): KeyValue {
  return {
    key: last(message, 1, (field) => text(field.bytes), ''),
    value: last(message, 2, (field) => anyValue(field.bytes), {}),
  };
}

function span(message: Uint8Array): Span {
  const decoded: Span = { traceId: '', spanId: '', name: '', kind: 0, attributes: [], events: [] };
  for (const field of fields(message)) {
    switch (field.number) {
      case 1:
        decoded.traceId = hex(field.bytes);
        break;
      case 2:
        decoded.spanId = hex(field.bytes);
        break;
      case 4:
        decoded.parentSpanId = hex(field.bytes);
        break;
      case 5:
        decoded.name = text(field.bytes);
        break;
      case 6:
        decoded.kind = Number(field.varint);
        break;
      case 9:
        decoded.attributes!.push(keyValue(field.bytes));
        break;
      case 11:
        decoded.events!.push({ name: last(field.bytes, 2, (part) => text(part.bytes), '') });
        break;
      case 15:
        decoded.status = { code: last(field.bytes, 3, (part) => Number(part.varint), 0) };
        break;
    }
  }
  return decoded;
}

/** An ExportTraceServiceRequest's resource spans, as OTLP's JSON encoding has them. */
export function decodeTraceRequest(message: Uint8Array): ExportRequest {
  const resourceSpans = repeated(message, 1, ({ bytes }) => ({
    resource: {
      attributes: repeated(bytes, 1, (resource) =>
        repeated(resource.bytes, 1, (item) => keyValue(item.bytes)),
      ).flat(),
    },
    scopeSpans: repeated(bytes, 2, (scope) => ({
      spans: repeated(scope.bytes, 2, (item) => span(item.bytes)),
    })),
  }));
  return { resourceSpans };
}
