// Request bodies we parse as text must be UTF-8 (RFC 8259 §8.1 for JSON; the
// WHATWG URL standard for urlencoded forms). Anything else is rejected rather
// than decoded with U+FFFD replacements, which would silently corrupt data.

import { httpError } from '../../errors.ts';

// `fatal` turns malformed UTF-8 into an exception instead of U+FFFD, and the
// default `ignoreBOM: false` strips a leading UTF-8 BOM, which RFC 8259 §8.1
// lets a parser ignore. Reusable: decode() without `stream` resets the state.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes that must be UTF-8, rejecting anything else with a 400. */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  const first = bytes[0];
  const second = bytes[1];
  if ((first === 0xfe && second === 0xff) || (first === 0xff && second === 0xfe)) {
    throw httpError('HTTP_MALFORMED_BODY', {
      detail: `The ${what} must be UTF-8; it starts with a UTF-16 byte order mark.`,
    });
  }
  try {
    return strictUtf8.decode(bytes);
  } catch (cause) {
    throw httpError('HTTP_MALFORMED_BODY', { detail: `The ${what} is not valid UTF-8.`, cause });
  }
}
