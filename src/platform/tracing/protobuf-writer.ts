// A growable buffer that writes protobuf's wire format: varints, fixed-width
// numbers, length-prefixed bytes and strings, and nested messages whose
// length is only known once they are written.
//
// Only what the OTLP span encoding (otlp-span-encoding.ts) needs. A nested
// message reserves one byte for its length and moves its content up when
// the length needs more, as most of the messages written here (attributes,
// statuses) are under 128 bytes.

const encoder = new TextEncoder();
const TWO_32 = 4_294_967_296;

export class ProtobufWriter {
  #bytes: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(initialSize = 4096) {
    this.#bytes = new Uint8Array(initialSize);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** The bytes written so far (or those from `from` to `to`), as a view over this writer's buffer. */
  written(from = 0, to = this.pos): Uint8Array {
    return this.#bytes.subarray(from, to);
  }

  /** Forgets the first `count` bytes; what follows them moves to the front. */
  dropFront(count: number): void {
    this.#bytes.copyWithin(0, count, this.pos);
    this.pos -= count;
  }

  /** Forgets what was written; the buffer is kept for the next use. */
  reset(): void {
    this.pos = 0;
  }

  tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  /** An unsigned or negative integer as protobuf's int64 varint (negatives take ten bytes). */
  varint(value: number): void {
    this.#room(10);
    const bytes = this.#bytes;
    if (value >= 0 && value < TWO_32) {
      let v = value >>> 0;
      while (v > 127) {
        bytes[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      bytes[this.pos++] = v;
      return;
    }
    let [low, high] = splitInt64(value);
    while (high > 0 || low > 127) {
      bytes[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    bytes[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.#room(4);
    this.#view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.#room(8);
    this.#view.setUint32(this.pos, low >>> 0, true);
    this.#view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.#room(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  /** Bytes already in the wire format (written by another writer), copied as they are. */
  raw(value: Uint8Array): void {
    this.#room(value.length);
    this.#bytes.set(value, this.pos);
    this.pos += value.length;
  }

  /** Lower-case or upper-case hex (trace and span ids) as the bytes it spells. */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.#room(length);
    const bytes = this.#bytes;
    for (let i = 0; i < hex.length; i += 2) {
      bytes[this.pos++] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
    }
  }

  string(value: string): void {
    const length = value.length;
    // Most strings here are short and ASCII: one byte a character, copied in
    // one pass that also notes whether any was not ASCII after all.
    if (length < 128) {
      this.#room(length + 1);
      const bytes = this.#bytes;
      const start = this.pos;
      bytes[start] = length;
      let seen = 0;
      for (let i = 0; i < length; i++) {
        const code = value.charCodeAt(i);
        seen |= code;
        bytes[start + 1 + i] = code;
      }
      if (seen < 128) {
        this.pos = start + 1 + length;
        return;
      }
    }
    // At most three bytes a UTF-16 unit; the length goes in once it is known.
    this.#room(length * 3 + 5);
    const start = this.begin();
    this.pos += encoder.encodeInto(value, this.#bytes.subarray(this.pos)).written;
    this.end(start);
  }

  /** Starts a nested message or a length-prefixed field; `end` writes its length. */
  begin(): number {
    this.#room(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    const extra = varintSize(length) - 1;
    if (extra > 0) {
      this.#room(extra);
      this.#bytes.copyWithin(start + 1 + extra, start + 1, this.pos);
      this.pos += extra;
    }
    let at = start;
    let v = length;
    while (v > 127) {
      this.#bytes[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.#bytes[at] = v;
  }

  #room(needed: number): void {
    if (this.pos + needed <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.pos + needed));
    grown.set(this.#bytes.subarray(0, this.pos));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) size++;
  return size;
}

/** 0-9, a-f, A-F as their values. */
function hexDigit(code: number): number {
  if (code <= 57) return code - 48;
  return (code | 32) - 87;
}

/** An integer as the low and high 32 bits of its 64-bit two's complement. */
function splitInt64(value: number): [number, number] {
  const magnitude = Math.abs(value);
  let low = magnitude >>> 0;
  let high = Math.floor(magnitude / TWO_32) >>> 0;
  if (value < 0) {
    low = ~low >>> 0;
    high = ~high >>> 0;
    low = (low + 1) >>> 0;
    if (low === 0) high = (high + 1) >>> 0;
  }
  return [low, high];
}
