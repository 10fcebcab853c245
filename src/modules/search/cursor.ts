// The search pages' cursor: the offset of the next page and a fingerprint of
// the query it belongs to (text, filters, sort), signed with HMAC-SHA256 the
// way the catalog's list cursors are (catalog/cursor.ts), so a client can
// neither forge one nor replay one against another query. Search paginates
// by offset, not by keyset: relevance scores are floats recomputed per
// query, a poor key to resume from. Offsets stop at MAX_SEARCH_DEPTH —
// nobody reads the thousandth hit of a search, and deep offsets cost the
// database every row before them.

import { signedJson } from '../../platform/signed-json.ts';
import { searchError } from './errors.ts';

/** No page starts at or beyond this many hits. */
export const MAX_SEARCH_DEPTH = 1000;
/** Longer than any cursor this codec writes. */
export const MAX_SEARCH_CURSOR_LENGTH = 200;

export interface SearchCursorCodec {
  encode(offset: number, print: string): string;
  /** The offset; throws SEARCH_INVALID_CURSOR (400) for anything this service did not issue for `print`. */
  decode(text: string, print: string): number;
}

function invalidCursor(message: string) {
  return searchError('SEARCH_INVALID_CURSOR', {
    detail: message,
    errors: [{ field: 'after', in: 'query', code: 'invalid_value', message }],
  });
}

export function createSearchCursorCodec(key: Buffer): SearchCursorCodec {
  const sealed = signedJson(key);
  const malformed = () =>
    invalidCursor('the cursor is malformed; use links.next of a previous page');
  return {
    encode(offset, print) {
      return sealed.seal({ o: offset, f: print });
    },
    decode(text, print) {
      const opened = sealed.open(text, MAX_SEARCH_CURSOR_LENGTH);
      if (!opened.ok) {
        throw opened.reason === 'forged'
          ? invalidCursor('the cursor was not issued by this service; start again without it')
          : malformed();
      }
      const decoded = opened.value;
      const { o, f } = (decoded ?? {}) as { o?: unknown; f?: unknown };
      if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o >= MAX_SEARCH_DEPTH) {
        throw malformed();
      }
      if (f !== print) {
        throw invalidCursor(
          'the cursor was issued for another query, filters or sort; start again without it',
        );
      }
      return o;
    },
  };
}
