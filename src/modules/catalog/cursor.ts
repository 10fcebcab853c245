// The product list's keyset cursor: the sort-key values of the last row of a
// page (the `id` tiebreaker included) plus a fingerprint of the sort and the
// filters it was issued for, signed, as one base64url token.
//
// Every value is bound as a query parameter, but a value can still be one the
// database refuses (an id past the bigint range, a NUL in a title, a time
// past the timestamp range): an unsigned cursor let any client build one and
// turn the list into a 500. So the token carries an HMAC-SHA256 under a key
// only the service holds, checked in constant time before anything in it is
// read; only cursors the service issued are accepted, and their values are
// checked against the same bounds as the ones clients send directly. The
// fingerprint (SHA-256 of the canonical sort and filters, no secret) catches
// the honest mistake — a genuine cursor replayed with other `sort` or filter
// parameters, which would silently skip or repeat rows — and says so.
//
// `createdAt` travels as integer microseconds since the epoch (as a string):
// PostgreSQL keeps microseconds, a JavaScript Date only milliseconds, and a
// cursor that rounded would skip or repeat rows created in the same millisecond.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { signedJson } from '../../platform/signed-json.ts';
import { bigintId, pgText } from '../../platform/sql/pg-values.ts';
import { catalogError } from './errors.ts';
import { INT4_MAX, MAX_CURSOR_LENGTH, TITLE_MAX } from './schemas.ts';
import type { SortField, SortKey } from './sort.ts';

export type CursorValue = string | number;

export { MAX_CURSOR_LENGTH };

// Microseconds from 0001-01-01 to 9999-12-31T23:59:59.999999Z: every time a
// row can hold and PostgreSQL can turn back into a timestamp.
const MICROS_MIN = -62_135_596_800_000_000n;
const MICROS_MAX = 253_402_300_799_999_999n;
const MICROSECONDS = /^-?\d{1,18}$/;

/** The bounds of each key's value: the column's, as a client could have written it. */
const VALUE_SCHEMAS: Record<SortField, z.ZodType> = {
  price: z.number().int().min(0).max(INT4_MAX),
  stock: z.number().int().min(0).max(INT4_MAX),
  // The stored title, untrimmed: 1 to 200 characters, of up to two UTF-16 units each.
  title: pgText()
    .min(1)
    .max(2 * TITLE_MAX),
  createdAt: z.string().refine((text) => {
    if (!MICROSECONDS.test(text)) return false;
    const micros = BigInt(text);
    return micros >= MICROS_MIN && micros <= MICROS_MAX;
  }),
  id: bigintId,
};

function invalidCursor(message: string) {
  return catalogError('CATALOG_INVALID_CURSOR', {
    detail: message,
    errors: [{ field: 'after', in: 'query', code: 'invalid_value', message }],
  });
}

const malformed = () => invalidCursor('the cursor is malformed; use the links of a previous page');

/** 64 bits of SHA-256 over the canonical text of the sort and filters: enough to tell lists apart. */
export function fingerprint(canonical: string): string {
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 11);
}

export interface CursorCodec {
  encode(values: readonly CursorValue[], print: string): string;
  /**
   * The keyset values of a cursor issued for `sort` with fingerprint `print`.
   * Throws CATALOG_INVALID_CURSOR (400) when it is malformed, not signed by
   * this service, or belongs to another sort or set of filters.
   */
  decode(text: string, sort: readonly SortKey[], print: string): readonly CursorValue[];
  /** A list with `q` pages by offset in the engine's order: the cursor carries the next one. */
  encodeOffset(offset: number, print: string): string;
  /** The offset of a cursor issued by encodeOffset for `print`; CATALOG_INVALID_CURSOR otherwise. */
  decodeOffset(text: string, print: string): number;
}

/** Past any offset numbered pages reach (10,000 pages of 100). */
const MAX_OFFSET = 1_000_000;

/** Cursors signed with `key` (a dedicated key: see deriveKey in platform/data-key.ts). */
export function createCursorCodec(key: Buffer): CursorCodec {
  const sealed = signedJson(key);
  return {
    encode(values, print) {
      return sealed.seal({ k: values, f: print });
    },

    decode(text, sort, print) {
      const opened = sealed.open(text, MAX_CURSOR_LENGTH);
      if (!opened.ok) {
        throw opened.reason === 'forged'
          ? invalidCursor('the cursor was not issued by this service; start again without it')
          : malformed();
      }
      const decoded = opened.value;
      if (typeof decoded !== 'object' || decoded === null) throw malformed();
      const { k, f } = decoded as { k?: unknown; f?: unknown };
      if (typeof f !== 'string' || !Array.isArray(k)) throw malformed();
      if (f !== print || k.length !== sort.length) {
        throw invalidCursor(
          'the cursor was issued for other sort or filter parameters; start again without it',
        );
      }
      // Signed by us, so written by us: still checked, so that no cursor —
      // one issued before a bound changed, say — can carry a value to the
      // database that a client could not send directly.
      sort.forEach((key, index) => {
        if (!VALUE_SCHEMAS[key.field].safeParse(k[index]).success) throw malformed();
      });
      return k as CursorValue[];
    },

    encodeOffset(offset, print) {
      return sealed.seal({ o: offset, f: print });
    },

    decodeOffset(text, print) {
      const opened = sealed.open(text, MAX_CURSOR_LENGTH);
      if (!opened.ok) {
        throw opened.reason === 'forged'
          ? invalidCursor('the cursor was not issued by this service; start again without it')
          : malformed();
      }
      const { o, f } = (opened.value ?? {}) as { o?: unknown; f?: unknown };
      if (typeof f !== 'string') throw malformed();
      if (f !== print) {
        throw invalidCursor(
          'the cursor was issued for other q, sort or filter parameters; start again without it',
        );
      }
      if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > MAX_OFFSET) {
        throw malformed();
      }
      return o;
    },
  };
}
