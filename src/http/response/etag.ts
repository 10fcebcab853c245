// Entity tags and conditional requests (RFC 9110 §8.8.3, §13).
import { hash } from 'node:crypto';

export type PreconditionOutcome = 'ok' | 'not-modified' | 'precondition-failed';

export interface PreconditionInput {
  readonly method: string;
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  readonly ifUnmodifiedSince?: string | undefined;
  /** The current representation's entity tag, as sent in `ETag` (quotes included). */
  readonly etag?: string | undefined;
  readonly lastModified?: Date | number | undefined;
  /**
   * Whether the target has a current representation (what `*` matches).
   * Defaults to `etag !== undefined || lastModified !== undefined`.
   */
  readonly exists?: boolean | undefined;
}

/**
 * Digest used for validators: SHA-1 is hardware-accelerated, and the one-shot
 * `crypto.hash` avoids the Hash object. Collisions would need an attacker able
 * to choose both bodies, which a validator does not have to withstand.
 */
function digest(body: string | Buffer): string {
  return hash('sha1', body, 'base64url');
}

/** A strong validator `"…"` (RFC 9110 §8.8.3): changes with any byte of the body. */
export function strongEtag(body: string | Buffer): string {
  return `"${digest(body)}"`;
}

/** A weak validator `W/"…"`: for bodies that are semantically but not byte-for-byte stable. */
export function weakEtag(body: string | Buffer): string {
  return `W/"${digest(body)}"`;
}

/**
 * Splits an `If-Match` / `If-None-Match` value into entity tags as written
 * (`"x"`, `W/"x"`) or `['*']`. Commas are legal inside an opaque tag, so this
 * scans rather than splits. Malformed members are skipped; at most 64 are read.
 */
export function parseEtagList(header: string | undefined): string[] {
  const tags: string[] = [];
  if (header === undefined) return tags;
  const n = header.length;
  let i = 0;
  while (i < n && tags.length < 64) {
    const c = header.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x2c) {
      i++;
      continue;
    }
    if (c === 0x2a /* * */) {
      tags.push('*');
      i++;
      continue;
    }
    const start = i;
    if (c === 0x57 /* W */ && header.charCodeAt(i + 1) === 0x2f /* / */) i += 2;
    if (header.charCodeAt(i) === 0x22) {
      const close = header.indexOf('"', i + 1);
      if (close < 0) break;
      tags.push(header.slice(start, close + 1));
      i = close + 1;
    } else {
      // Not an entity tag: skip to the next member.
      const comma = header.indexOf(',', i);
      i = comma < 0 ? n : comma + 1;
    }
  }
  return tags;
}

function isWeak(tag: string): boolean {
  return tag.charCodeAt(0) === 0x57;
}

function opaque(tag: string): string {
  return isWeak(tag) ? tag.slice(2) : tag;
}

/** RFC 9110 §8.8.3.2 weak comparison: opaque tags equal, W/ ignored. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** RFC 9110 §8.8.3.2 strong comparison: neither weak, opaque tags equal. */
export function strongMatch(a: string, b: string): boolean {
  return !isWeak(a) && !isWeak(b) && a === b;
}

/**
 * `If-None-Match` evaluates true when this returns false (RFC 9110 §13.1.2):
 * returns whether the header matches the current representation, by WEAK
 * comparison; `*` matches whenever a current representation exists.
 */
export function ifNoneMatchMatches(
  header: string | undefined,
  etag: string | undefined,
  exists: boolean = etag !== undefined,
): boolean {
  if (header === undefined) return false;
  if (etag !== undefined && header === etag) return true; // the common revalidation
  for (const tag of parseEtagList(header)) {
    if (tag === '*') {
      if (exists) return true;
    } else if (etag !== undefined && weakMatch(tag, etag)) return true;
  }
  return false;
}

/**
 * Whether `If-Match` is satisfied (RFC 9110 §13.1.1), by STRONG comparison:
 * weak tags never match. `*` matches any current representation.
 */
export function ifMatchMatches(
  header: string | undefined,
  etag: string | undefined,
  exists: boolean = etag !== undefined,
): boolean {
  if (header === undefined) return true;
  if (etag !== undefined && header === etag && !isWeak(etag)) return true;
  for (const tag of parseEtagList(header)) {
    if (tag === '*') {
      if (exists) return true;
    } else if (etag !== undefined && strongMatch(tag, etag)) return true;
  }
  return false;
}

/** Whole seconds since the epoch: HTTP dates have one-second resolution. */
function seconds(value: Date | number): number {
  return Math.floor((typeof value === 'number' ? value : value.getTime()) / 1000);
}

/** An HTTP-date in seconds, or undefined when invalid (the field is then ignored). */
function parseHttpDate(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : seconds(ms);
}

/**
 * Evaluates preconditions in the order of RFC 9110 §13.2.2. The caller runs it
 * only when the response would otherwise be 2xx (§13.2.1), and answers
 * `not-modified` with 304 and `precondition-failed` with 412.
 * If-Range (step 5) belongs to range handling and is not considered here.
 */
export function evaluatePreconditions(input: PreconditionInput): PreconditionOutcome {
  const { ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince, etag } = input;
  if (
    ifMatch === undefined &&
    ifNoneMatch === undefined &&
    ifModifiedSince === undefined &&
    ifUnmodifiedSince === undefined
  ) {
    return 'ok';
  }
  const lastModified = input.lastModified === undefined ? undefined : seconds(input.lastModified);
  const exists = input.exists ?? (etag !== undefined || lastModified !== undefined);
  const method = input.method.toUpperCase();
  const safeRead = method === 'GET' || method === 'HEAD';

  // Step 1: If-Match; Step 2: otherwise If-Unmodified-Since (§13.1.4 says to
  // ignore it when If-Match is present, when invalid, or with no date to compare).
  if (ifMatch !== undefined) {
    if (!ifMatchMatches(ifMatch, etag, exists)) return 'precondition-failed';
  } else if (ifUnmodifiedSince !== undefined && lastModified !== undefined) {
    const date = parseHttpDate(ifUnmodifiedSince);
    if (date !== undefined && lastModified > date) return 'precondition-failed';
  }

  // Step 3: If-None-Match; Step 4: otherwise If-Modified-Since, for GET/HEAD only.
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatchMatches(ifNoneMatch, etag, exists)) {
      return safeRead ? 'not-modified' : 'precondition-failed';
    }
  } else if (safeRead && ifModifiedSince !== undefined && lastModified !== undefined) {
    const date = parseHttpDate(ifModifiedSince);
    if (date !== undefined && lastModified <= date) return 'not-modified';
  }
  return 'ok';
}
