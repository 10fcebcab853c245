// One result-type mapping for both engines. Out of the box node-postgres and
// PGlite disagree (int8: string vs bigint, numeric[]: number[] vs string[],
// interval: object vs string) and both turn `date` into a Date at midnight,
// which shifts the day in any zone west of UTC. The port promises:
//
//   int2, int4, oid, float4, float8  → number
//   int8, numeric                    → string  (64-bit ids and exact decimals
//                                               survive JSON; no float rounding)
//   bool → boolean    text, varchar, uuid, time → string
//   timestamptz → Date                date, timestamp, interval → string, as
//   json, jsonb → parsed value          PostgreSQL prints them
//   bytea → Uint8Array (a Buffer on Postgres, which is a Uint8Array)
//   arrays of the types above → arrays of the mapped element type
//
// `timestamp` (without time zone) stays text on purpose: a zone-less value has
// no instant, and schemas should use timestamptz.

/** Type OIDs from pg_type.dat (stable across PostgreSQL versions). */
export const TYPE_OIDS = {
  int8: 20,
  int8Array: 1016,
  numeric: 1700,
  numericArray: 1231,
  date: 1082,
  dateArray: 1182,
  timestamp: 1114,
  timestampArray: 1115,
  interval: 1186,
  intervalArray: 1187,
} as const;

/** Scalar types whose text form is returned as is. */
export const TEXT_SCALAR_OIDS: readonly number[] = [
  TYPE_OIDS.int8,
  TYPE_OIDS.numeric,
  TYPE_OIDS.date,
  TYPE_OIDS.timestamp,
  TYPE_OIDS.interval,
];

/** Array types whose elements are returned as text (`{1,2}` → `['1', '2']`). */
export const TEXT_ARRAY_OIDS: readonly number[] = [
  TYPE_OIDS.int8Array,
  TYPE_OIDS.numericArray,
  TYPE_OIDS.dateArray,
  TYPE_OIDS.timestampArray,
  TYPE_OIDS.intervalArray,
];

export function keepText(value: string): string {
  return value;
}
