// A JSON value sealed with HMAC-SHA256 into one base64url string: the MAC,
// then the JSON. Paging cursors use it so a client can neither forge one nor
// alter one; what the value means, and the errors a caller answers with, stay
// with each cursor's owner.

import { createHmac, timingSafeEqual } from 'node:crypto';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAC_BYTES = 32;

/** What `open` found: the value, or why there is none. */
export type Opened =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'malformed' | 'forged' };

export interface SignedJson {
  seal(value: unknown): string;
  /** Checks length, alphabet and MAC (in constant time) before parsing. */
  open(text: string, maxLength: number): Opened;
}

export function signedJson(key: Buffer): SignedJson {
  const mac = (payload: Buffer) => createHmac('sha256', key).update(payload).digest();
  return {
    seal(value) {
      const payload = Buffer.from(JSON.stringify(value), 'utf8');
      return Buffer.concat([mac(payload), payload]).toString('base64url');
    },
    open(text, maxLength) {
      if (text.length > maxLength || !BASE64URL.test(text))
        return { ok: false, reason: 'malformed' };
      const bytes = Buffer.from(text, 'base64url');
      if (bytes.length <= MAC_BYTES) return { ok: false, reason: 'malformed' };
      const payload = bytes.subarray(MAC_BYTES);
      if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), mac(payload))) {
        return { ok: false, reason: 'forged' };
      }
      try {
        return { ok: true, value: JSON.parse(payload.toString('utf8')) as unknown };
      } catch {
        return { ok: false, reason: 'malformed' };
      }
    },
  };
}
