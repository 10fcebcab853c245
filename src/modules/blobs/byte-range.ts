// The Range header of a GET (RFC 9110 §14.2), for one range of bytes: the
// form every video player and resuming download sends. Several ranges at
// once (multipart/byteranges) are answered with the whole object, which the
// RFC allows a server to do for any Range it chooses to ignore, as it must
// for a unit other than bytes or a header it cannot parse.

import type { ByteRange } from '../../ports/blob-store.ts';

export type RangeRequest = ByteRange | 'whole' | 'unsatisfiable';

const SINGLE_RANGE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return 'whole';
  const match = SINGLE_RANGE.exec(header.trim());
  if (match === null) return 'whole';
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return 'whole';
  if (first === '') {
    // A suffix: the last N bytes (all of them when N exceeds the size).
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return 'whole'; // invalid: ignored (§14.1.1)
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
