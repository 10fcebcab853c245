// Proactive content negotiation (RFC 9110 §12): pick the response media type
// from `Accept` and the content coding from `Accept-Encoding`.
//
// Both headers repeat verbatim across requests from the same kind of client,
// so parse results are kept in small bounded maps keyed by the raw string.
import * as zlib from 'node:zlib';

export interface MediaRange {
  /** Type and subtype are lower-cased; `*` is the wildcard. */
  readonly type: string;
  readonly subtype: string;
  /** Media type parameters (names lower-cased, values unquoted); `q` and anything after it excluded. */
  readonly params: Readonly<Record<string, string>>;
  /** Weight in [0, 1] with at most three decimals (RFC 9110 §12.4.2). */
  readonly q: number;
}

export type ContentCoding = 'zstd' | 'br' | 'gzip';
export type NegotiatedEncoding = ContentCoding | 'identity';

/** Whether this runtime's node:zlib can produce zstd (added in Node 23.8 / 22.15). */
export const zstdAvailable: boolean = typeof zlib.zstdCompress === 'function';

/** Entries past this many are ignored: a header can't make us sort thousands of ranges. */
const MAX_ENTRIES = 64;
const CACHE_SIZE = 256;
/** Longer strings are parsed every time rather than cached, so the caches stay small. */
const MAX_CACHED_KEY_LENGTH = 512;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (key.length > MAX_CACHED_KEY_LENGTH) return value;
  // Evict the oldest insertion: cheap, and good enough for a working set this small.
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/** Splits on `separator` outside quoted strings; trims and drops empty members. */
function splitOutsideQuotes(value: string, separator: number, limit: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= value.length && parts.length < limit; i++) {
    const c = i < value.length ? value.charCodeAt(i) : separator;
    if (quoted) {
      // Inside a quoted-string a backslash escapes the next character.
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === separator || i === value.length) {
      const part = value.slice(start, i).trim();
      if (part !== '') parts.push(part);
      start = i + 1;
    }
  }
  return parts;
}

function unquote(value: string): string {
  if (value.length < 2 || value.charCodeAt(0) !== 0x22) return value;
  return value.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )  (RFC 9110 §12.4.2).
 * A malformed weight reads as 0: we never prefer a representation on the strength
 * of a weight we could not read. That can exclude a type a wildcard would admit,
 * which errs toward 406 rather than guessing what a broken client meant.
 */
function parseQ(value: string): number {
  const n = value.length;
  if (n === 0 || n > 5) return 0;
  const lead = value.charCodeAt(0) - 0x30;
  if (lead !== 0 && lead !== 1) return 0;
  if (n === 1) return lead;
  if (value.charCodeAt(1) !== 0x2e) return 0;
  let thousandths = 0;
  for (let i = 2, scale = 100; i < n; i++, scale /= 10) {
    const digit = value.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return 0;
    thousandths += digit * scale;
  }
  if (lead === 1) return thousandths === 0 ? 1 : 0;
  return thousandths / 1000;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** token = 1*tchar (RFC 9110 §5.6.2): visible ASCII minus delimiters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses one `type/subtype;params[;q=…]` member; undefined when malformed. */
function parseMediaRange(member: string): MediaRange | undefined {
  const [essence = '', ...rest] = splitOutsideQuotes(member, 0x3b /* ; */, 32);
  const slash = essence.indexOf('/');
  const type = essence.slice(0, slash).trim().toLowerCase();
  const subtype = essence
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (slash < 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  if (type === '*' && subtype !== '*') return undefined; // `*/json` is not a media range
  let params: Record<string, string> | undefined;
  let q = 1;
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const value = unquote(param.slice(eq + 1).trim());
    // `q` separates media type parameters from (obsolete) accept extensions.
    if (name === 'q') {
      q = parseQ(value);
      break;
    }
    (params ??= {})[name] = value;
  }
  return { type, subtype, params: params ? Object.freeze(params) : NO_PARAMS, q };
}

/** 3 = exact type with parameters, 2 = exact, 1 = `type/*`, 0 = `*\/*`. */
function specificity(range: MediaRange): number {
  if (range.type === '*') return 0;
  if (range.subtype === '*') return 1;
  return range.params === NO_PARAMS ? 2 : 3;
}

const acceptCache = new Map<string, readonly MediaRange[]>();

/**
 * Parses an `Accept` field value (RFC 9110 §12.5.1) into media ranges ordered by
 * weight, then specificity, then their order in the header. Malformed members are
 * skipped; at most 64 members are read. The returned array is shared: don't mutate it.
 */
export function parseAccept(header: string | undefined): readonly MediaRange[] {
  if (header === undefined) return [];
  const cached = acceptCache.get(header);
  if (cached !== undefined) return cached;
  const ranges: MediaRange[] = [];
  for (const member of splitOutsideQuotes(header, 0x2c /* , */, MAX_ENTRIES)) {
    const range = parseMediaRange(member);
    if (range !== undefined) ranges.push(range);
  }
  // Array#sort is stable, so equal entries keep the client's order.
  ranges.sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
  return remember(acceptCache, header, Object.freeze(ranges));
}

const mediaTypeCache = new Map<string, MediaRange>();

function parseAvailable(mediaType: string): MediaRange {
  const cached = mediaTypeCache.get(mediaType);
  if (cached !== undefined) return cached;
  const parsed = parseMediaRange(mediaType);
  if (parsed === undefined || parsed.type === '*' || parsed.subtype === '*') {
    throw new TypeError(`Not a concrete media type: ${mediaType}`);
  }
  return remember(mediaTypeCache, mediaType, parsed);
}

/**
 * The weight the client gives `offer`: that of the most specific matching range
 * (RFC 9110 §12.5.1). Among equally specific matches the lowest weight wins, so an
 * explicit `q=0` is never overridden by a duplicate entry.
 */
function qualityOf(offer: MediaRange, ranges: readonly MediaRange[]): number {
  let bestSpecificity = -1;
  let q = 0;
  for (const range of ranges) {
    if (range.type !== '*' && range.type !== offer.type) continue;
    if (range.subtype !== '*' && range.subtype !== offer.subtype) continue;
    if (range.params !== NO_PARAMS) {
      let matches = true;
      for (const name in range.params) {
        if (offer.params[name]?.toLowerCase() !== range.params[name]!.toLowerCase()) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
    }
    const s = specificity(range);
    if (s > bestSpecificity || (s === bestSpecificity && range.q < q)) {
      bestSpecificity = s;
      q = range.q;
    }
  }
  return q;
}

function choose(
  ranges: readonly MediaRange[],
  offers: readonly MediaRange[],
  available: readonly string[],
): string | undefined {
  // An absent, empty or wholly unparseable Accept says nothing: serve the default.
  if (ranges.length === 0) return available[0];
  let best: string | undefined;
  let bestQ = 0;
  for (let i = 0; i < offers.length; i++) {
    const q = qualityOf(offers[i]!, ranges);
    // Strictly greater: ties keep the server's order of preference.
    if (q > bestQ) {
      bestQ = q;
      best = available[i];
    }
  }
  return best;
}

/**
 * Picks the media type to send from `available` (most preferred first).
 * Absent `Accept` → the first available. `undefined` → nothing acceptable: answer 406.
 */
export function negotiateMediaType(
  accept: string | undefined,
  available: readonly string[],
): string | undefined {
  if (accept === undefined) return available[0];
  return choose(parseAccept(accept), available.map(parseAvailable), available);
}

/**
 * The same decision with the offers parsed once and decisions cached per `Accept`
 * string: use it for a fixed set of representations on a hot route.
 */
export function createMediaTypeNegotiator(
  available: readonly string[],
): (accept: string | undefined) => string | undefined {
  const offers = available.map(parseAvailable);
  const snapshot = [...available];
  const decisions = new Map<string, string | null>();
  return (accept) => {
    if (accept === undefined) return snapshot[0];
    const cached = decisions.get(accept);
    if (cached !== undefined) return cached ?? undefined;
    const decision = choose(parseAccept(accept), offers, snapshot);
    return remember(decisions, accept, decision ?? null) ?? undefined;
  };
}

interface CodingWeight {
  readonly coding: string;
  readonly q: number;
}

const encodingCache = new Map<string, readonly CodingWeight[]>();

function parseAcceptEncoding(header: string): readonly CodingWeight[] {
  const cached = encodingCache.get(header);
  if (cached !== undefined) return cached;
  const weights: CodingWeight[] = [];
  for (const member of splitOutsideQuotes(header, 0x2c, MAX_ENTRIES)) {
    const semi = member.indexOf(';');
    let coding = (semi < 0 ? member : member.slice(0, semi)).trim().toLowerCase();
    // RFC 9110 §8.4.1.3: x-gzip SHOULD be treated as gzip.
    if (coding === 'x-gzip') coding = 'gzip';
    let q = 1;
    if (semi >= 0) {
      const param = member.slice(semi + 1).trim();
      q =
        param.length > 2 && (param[0] === 'q' || param[0] === 'Q') && param[1] === '='
          ? parseQ(param.slice(2))
          : 0;
    }
    if (TOKEN.test(coding)) weights.push({ coding, q });
  }
  return remember(encodingCache, header, Object.freeze(weights));
}

/**
 * Chooses the content coding per RFC 9110 §12.5.3 from `available` (server
 * preference first; it breaks ties between equal client weights).
 *
 * - Absent header → `identity`: the RFC allows any coding, but clients that
 *   send nothing (curl, health checks, old libraries) often can't decode.
 * - Empty header → `identity` (the client wants no coding).
 * - A coding not listed is acceptable only through `*`.
 * - `identity` is acceptable unless `identity;q=0`, or `*;q=0` with no explicit
 *   `identity` entry. If only implicitly acceptable it ranks below any coding.
 * - `undefined` → nothing acceptable (406-worthy; sending identity is also defensible).
 */
export function negotiateEncoding(
  acceptEncoding: string | undefined,
  available: readonly ContentCoding[],
): NegotiatedEncoding | undefined {
  if (acceptEncoding === undefined) return 'identity';
  const weights = parseAcceptEncoding(acceptEncoding);
  if (weights.length === 0) return 'identity';
  let starQ: number | undefined;
  let identityQ: number | undefined;
  for (const { coding, q } of weights) {
    if (coding === '*') starQ ??= q;
    else if (coding === 'identity') identityQ ??= q;
  }
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const offer of available) {
    let q = starQ ?? 0;
    for (const weight of weights) {
      if (weight.coding === offer) {
        q = weight.q;
        break;
      }
    }
    if (q > bestQ) {
      bestQ = q;
      best = offer;
    }
  }
  if (best !== undefined && !(identityQ !== undefined && identityQ > bestQ)) return best;
  const identityAcceptable = identityQ !== undefined ? identityQ > 0 : starQ !== 0;
  return identityAcceptable ? 'identity' : undefined;
}
