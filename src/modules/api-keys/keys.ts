// The API key format: `tl_<prefix>_<secret>`. The prefix (12 lower-case
// alphanumerics, ~62 bits) is public: it is the lookup key and what lists and
// logs show. The secret (32 random bytes, base64url, 43 characters) is shown
// once and only its SHA-256 is stored. A fast hash is right here: the secret
// is 256 random bits, so a leaked hash cannot be brute-forced, and lookup
// stays an index hit on the prefix (see migrations/0005_trust.sql).
//
// Parsing is strict and happens before any database query: anything that is
// not exactly this shape is rejected for free.

import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX } from '../auth/authenticate.ts';

const PREFIX_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX_LENGTH = 12;
const SECRET_BYTES = 32;
/** base64url of 32 bytes, unpadded. */
const SECRET_LENGTH = 43;

// eslint-disable-next-line security/detect-non-literal-regexp -- built from constants in this file
const KEY_SHAPE = new RegExp(
  `^${API_KEY_PREFIX}([a-z0-9]{${KEY_PREFIX_LENGTH}})_([A-Za-z0-9_-]{${SECRET_LENGTH}})$`,
);
/** Longest well-formed key: no regex work at all on anything longer. */
const KEY_LENGTH = API_KEY_PREFIX.length + KEY_PREFIX_LENGTH + 1 + SECRET_LENGTH;

export interface GeneratedKey {
  /** The full key, for the client: shown once, never stored. */
  readonly key: string;
  readonly prefix: string;
  /** SHA-256 (hex) of the secret: what is stored. */
  readonly secretHash: string;
}

export interface ParsedKey {
  readonly prefix: string;
  readonly secret: string;
}

/** A fresh key. `randomInt` draws each prefix character without modulo bias. */
export function generateApiKey(): GeneratedKey {
  let prefix = '';
  for (let index = 0; index < KEY_PREFIX_LENGTH; index += 1) {
    prefix += PREFIX_ALPHABET.charAt(randomInt(PREFIX_ALPHABET.length));
  }
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { key: `${API_KEY_PREFIX}${prefix}_${secret}`, prefix, secretHash: hashSecret(secret) };
}

/** The key's parts, or undefined when it is not exactly `tl_<prefix>_<secret>`. */
export function parseApiKey(presented: string): ParsedKey | undefined {
  if (presented.length !== KEY_LENGTH) return undefined;
  const match = KEY_SHAPE.exec(presented);
  if (match === null) return undefined;
  return { prefix: match[1]!, secret: match[2]! };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of the presented secret's hash with the stored one. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = Buffer.from(hashSecret(secret), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
