// MessagePack request bodies (application/msgpack): the same data model as
// JSON, so they are validated by the same schemas. Decoded strictly: exactly
// one value filling the body, no extension types (timestamps, records,
// binary) that JSON has no word for, integers within the safe range, and the
// same nesting limit as JSON. Maps become plain objects whose keys, like
// JSON.parse's, are own properties — `__proto__` included, never the prototype.

import { Unpackr } from 'msgpackr';
import { httpError } from '../../errors.ts';

export const MSGPACK_MEDIA_TYPE = 'application/msgpack';

// Maps as Map (so no key ever touches an object's prototype while decoding),
// no shared structures, 64-bit integers as bigint (refused below unless safe).
const unpackr = new Unpackr({
  mapsAsObjects: false,
  useRecords: false,
  int64AsType: 'bigint',
  moreTypes: false,
});

function malformed(detail: string) {
  return httpError('HTTP_MALFORMED_BODY', { detail: `The MessagePack body ${detail}.` });
}

function toJsonModel(value: unknown, depth: number, maxDepth: number): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw malformed('holds NaN or an infinity');
    return value;
  }
  if (typeof value === 'bigint') {
    const asNumber = Number(value);
    if (!Number.isSafeInteger(asNumber)) throw malformed('holds an integer beyond 2^53');
    return asNumber;
  }
  if (depth >= maxDepth) throw malformed(`nests deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) return value.map((item) => toJsonModel(item, depth + 1, maxDepth));
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) {
      if (typeof key !== 'string') throw malformed('has a map key that is not a string');
      Object.defineProperty(object, key, {
        value: toJsonModel(item, depth + 1, maxDepth),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  }
  // Binary, timestamps, extensions, undefined: nothing JSON could have said.
  throw malformed('holds a type JSON does not have (binary, timestamp or extension)');
}

export function parseMsgpackBytes(bytes: Uint8Array, maxDepth: number): unknown {
  let values: unknown[];
  try {
    values = unpackr.unpackMultiple(bytes) as unknown[];
  } catch {
    throw malformed('is not valid MessagePack');
  }
  if (values.length !== 1) throw malformed('must hold exactly one value');
  return toJsonModel(values[0], 0, maxDepth);
}
