// Request ids: honour a well-formed incoming `x-request-id` (so a proxy's or
// a caller's id follows the request through our logs), otherwise mint one.
//
// Minted ids are a per-process random prefix and a counter: unique across
// processes and restarts (48 random bits) and in order within one, for a
// fraction of a UUID's cost (no entropy per request). The counter starts at a
// random offset, so an id does not tell a client how many requests the
// process has served.
// "Well-formed" is deliberately narrow — 1 to 128 characters of [A-Za-z0-9._:-]
// — so an attacker cannot inject log lines, huge values or markup through it.

import { randomBytes, randomInt } from 'node:crypto';

const MAX_LENGTH = 128;

export function isWellFormedRequestId(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    const ok =
      (code >= 48 && code <= 58) || // 0-9 and ':'
      (code >= 65 && code <= 90) || // A-Z
      (code >= 97 && code <= 122) || // a-z
      code === 45 || // -
      code === 46 || // .
      code === 95; // _
    if (!ok) return false;
  }
  return true;
}

/**
 * The request id for a request, read from its raw header list: touching
 * `req.headers` would make Node build the whole header object, which the
 * fastest routes never need.
 */
export function requestIdFrom(rawHeaders: readonly string[]): string {
  const header = rawHeader(rawHeaders, 'x-request-id');
  if (header !== undefined && isWellFormedRequestId(header)) return header;
  return mintRequestId();
}

const PREFIX = `${randomBytes(6).toString('base64url')}-`;
let counter = randomInt(2 ** 40);

/** A new request id: the process's prefix and the next counter value, base 36. */
export function mintRequestId(): string {
  counter += 1;
  return PREFIX + counter.toString(36);
}

/** First value of a header in Node's `rawHeaders` list; `name` must be lower-case. */
export function rawHeader(rawHeaders: readonly string[], name: string): string | undefined {
  const length = name.length;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!;
    if (key.length === length && (key === name || key.toLowerCase() === name)) {
      return rawHeaders[i + 1];
    }
  }
  return undefined;
}
