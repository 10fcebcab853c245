// Input schemas for values that end up in PostgreSQL, bounded by what the
// database can take. A value outside them does not fail in validation's
// terms but in the database's (SQLSTATE class 22, "data exception"): an id
// past the bigint maximum is `22003 out of range`, a NUL character in text
// is `22021 invalid byte sequence` — PostgreSQL's text types cannot hold
// U+0000 at all. Refusing them here makes them the usual 422 naming the
// field, and puts the bound into the OpenAPI document (generated from these
// schemas) so clients see it too. sql-errors.ts maps class 22 as a safety net
// for whatever slips past.

import { z } from 'zod';

/** The largest bigint (int8) PostgreSQL stores: 2^63 - 1. */
export const BIGINT_MAX = '9223372036854775807';

/** A positive integer without leading zeros, at most 19 digits (BIGINT_MAX has 19). */
const ID_SYNTAX = /^[1-9]\d{0,18}$/;

/**
 * Whether `text` is a positive bigint id. Equal-length digit strings compare
 * like their numbers, so past the syntax only 19-digit values need the
 * comparison with BIGINT_MAX — no BigInt allocated per request.
 */
export function isBigintId(text: string): boolean {
  return ID_SYNTAX.test(text) && (text.length < BIGINT_MAX.length || text <= BIGINT_MAX);
}

/**
 * A 64-bit id as it travels on the wire: a string, 1 to BIGINT_MAX. Too
 * large is `out_of_range`; anything else not an id is `invalid_format`.
 */
export const bigintId = z
  .string()
  .regex(ID_SYNTAX, { error: 'must be a positive integer id' })
  .refine((text) => !ID_SYNTAX.test(text) || isBigintId(text), {
    error: `must be at most ${BIGINT_MAX}`,
    params: { code: 'out_of_range' },
  })
  .meta({ description: `64-bit id, as a string: 1 to ${BIGINT_MAX}`, example: '42' });

/** Anything but U+0000; in the OpenAPI document as this `pattern`. */
// eslint-disable-next-line no-control-regex -- matching the control character is the point
const NO_NUL = /^[^\u0000]*$/;

/** Whether PostgreSQL's text types can hold `text` (they cannot hold U+0000). */
export function isPgText(text: string): boolean {
  return !text.includes('\u0000');
}

/**
 * A string PostgreSQL can store: U+0000 is refused as `invalid_format`.
 * Chain the field's own rules after it: `pgText().trim().min(1).max(100)`.
 */
export function pgText() {
  return z.string().regex(NO_NUL, { error: 'must not contain the NUL character (U+0000)' });
}
