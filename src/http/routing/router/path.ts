// Request-path checks shared by matching and route registration.
//
// The router matches static segments on the raw (still percent-encoded) path
// and decodes only captured values, so every check here must hold for the raw
// segment AND for its decoded form: `%2e%2e` is a dot segment once a handler
// decodes it, and `..%2fetc` becomes `../etc` (RFC 3986 §3.3, §5.2.4).

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const DOT = 0x2e;
const NUL = 0x00;

/** Reasons reported in the router's `bad-path` result. */
export const BadPathReason = Object.freeze({
  notAbsolute: 'path must start with "/"',
  malformedEncoding: 'malformed percent-encoding in path',
  dotSegment: 'dot segment ("." or "..") in path',
  nulByte: 'NUL byte in path',
});

/**
 * Decodes one captured value of an already-validated path. Values without a
 * `%` are returned as they are, so the common case allocates nothing.
 */
export function decodeComponent(raw: string): string {
  // A charCodeAt loop, not indexOf: V8 inlines it, and values are short.
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) === PERCENT) return decodeURIComponent(raw);
  }
  return raw;
}

/** `decodeURIComponent` that reports malformed input (`%zz`, truncated UTF-8) as null. */
export function tryDecodeComponent(raw: string): string | null {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function isDotRun(text: string, from: number, to: number): boolean {
  const length = to - from;
  if (length === 1) return text.charCodeAt(from) === DOT;
  return length === 2 && text.charCodeAt(from) === DOT && text.charCodeAt(from + 1) === DOT;
}

/**
 * Why a decoded segment is unsafe, or null. A decoded segment may contain `/`
 * (from `%2F`) or `\` (from `%5C`, a separator on Windows): a handler that
 * joins the value into a file path would see each part as a segment of its
 * own, so none of those parts may be `.` or `..`.
 */
function checkDecodedSegment(decoded: string): string | null {
  let partStart = 0;
  for (let i = 0; i <= decoded.length; i++) {
    const code = i === decoded.length ? SLASH : decoded.charCodeAt(i);
    if (code === NUL) return BadPathReason.nulByte;
    if (code === SLASH || code === BACKSLASH) {
      if (isDotRun(decoded, partStart, i)) return BadPathReason.dotSegment;
      partStart = i + 1;
    }
  }
  return null;
}

/**
 * Checks the raw segment `text[from, to)`. `suspicious` says it holds a `%`,
 * `\` or NUL and must be decoded and checked in full; otherwise the only way
 * it can be unsafe is being a literal dot segment.
 */
function checkSegmentRange(text: string, from: number, to: number, suspicious: boolean) {
  if (!suspicious) return isDotRun(text, from, to) ? BadPathReason.dotSegment : null;
  const decoded = tryDecodeComponent(text.slice(from, to));
  if (decoded === null) return BadPathReason.malformedEncoding;
  return checkDecodedSegment(decoded);
}

/** Why one raw segment (no `/` inside) is unsafe, or null. Used for route patterns too. */
export function checkSegment(segment: string): string | null {
  let suspicious = false;
  for (let i = 0; i < segment.length && !suspicious; i++) {
    const code = segment.charCodeAt(i);
    suspicious = code === PERCENT || code === BACKSLASH || code === NUL;
  }
  return checkSegmentRange(segment, 0, segment.length, suspicious);
}

/**
 * Why a raw request path (without its query string) must be refused, or null.
 * One pass over the characters; it allocates only for segments that contain
 * a `%`, `\` or NUL.
 */
export function checkRequestPath(path: string): string | null {
  if (path.charCodeAt(0) !== SLASH) return BadPathReason.notAbsolute;
  let segmentStart = 1;
  let suspicious = false;
  for (let i = 1; i <= path.length; i++) {
    const code = i === path.length ? SLASH : path.charCodeAt(i);
    if (code === SLASH) {
      const reason = checkSegmentRange(path, segmentStart, i, suspicious);
      if (reason !== null) return reason;
      segmentStart = i + 1;
      suspicious = false;
    } else if (code === PERCENT || code === BACKSLASH || code === NUL) {
      suspicious = true;
    }
  }
  return null;
}

const NON_ASCII_RUN = /[\u0080-\uffff]+/g;

/**
 * Percent-encodes the non-ASCII characters of a static pattern segment the
 * way clients send them (UTF-8, upper-case hex, RFC 3986 §2.1), so a route
 * written as `/café` also matches the wire form `/caf%C3%A9`. Throws URIError
 * for lone surrogates.
 */
export function encodeNonAscii(segment: string): string {
  return segment.replace(NON_ASCII_RUN, encodeURIComponent);
}
