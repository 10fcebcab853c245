// One-time recovery codes for when the authenticator is lost. Each code is
// 12 characters from Crockford's base32 alphabet (digits and lower-case
// letters without i, l, o, u), shown as xxxx-xxxx-xxxx: 12 × 5 = 60 bits of
// entropy. On input, the look-alikes Crockford defines are folded back
// (o → 0, i and l → 1), so a code read off paper works however it was copied.
//
// Only SHA-256 hashes are stored. A fast, unsalted hash is right here and
// wrong for passwords: passwords are low-entropy and guessable, so they need
// a slow, salted KDF (see users/passwords.ts); these codes are 60 random
// bits, so even a stolen hash list cannot be brute-forced (2^60 SHA-256
// evaluations per code), and a slow hash would only cost login latency.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_LENGTH = 12;
const GROUP = 4;
const NORMALISED = /^[0-9a-hjkmnp-tv-z]{12}$/;

/** 12 symbols × 5 bits; 32 symbols so each byte slice maps without bias. */
export const RECOVERY_CODE_BITS = CODE_LENGTH * 5;

function generateOne(): string {
  // 64 random bits, of which the low 60 are used, 5 per symbol.
  let bits = randomBytes(8).readBigUInt64BE();
  let code = '';
  for (let index = 0; index < CODE_LENGTH; index += 1) {
    code += ALPHABET.charAt(Number(bits & 31n));
    bits >>= 5n;
  }
  return code.match(new RegExp(`.{${GROUP}}`, 'g'))!.join('-');
}

/** `count` distinct codes, formatted for display; give them to the user once. */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new RangeError(`count must be an integer from 1 to 100, got ${count}`);
  }
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateOne());
  return [...codes];
}

/** Lower-case, separators removed, Crockford's look-alikes folded. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
}

/** SHA-256 (hex) of the normalised code: what is stored instead of the code. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}

/**
 * The index in `hashes` of the hash of `code`, or -1. Every stored hash is
 * compared in constant time and the loop never stops early, so the time
 * taken says nothing about which slot matched or how close a guess came.
 * The caller must delete (or mark used) the matched hash in the same
 * transaction that accepts the login: each code works once.
 */
export function matchRecoveryCode(code: string, hashes: readonly string[]): number {
  // The shape of the input is not secret; refusing it early leaks nothing.
  if (!NORMALISED.test(normaliseRecoveryCode(code))) return -1;
  const candidate = Buffer.from(hashRecoveryCode(code), 'utf8');
  let found = -1;
  hashes.forEach((hash, index) => {
    const stored = Buffer.from(hash, 'utf8');
    // timingSafeEqual throws on unequal lengths: compare a malformed stored
    // value against itself instead, so every slot costs the same.
    const same = stored.length === candidate.length && timingSafeEqual(stored, candidate);
    if (stored.length !== candidate.length) timingSafeEqual(candidate, candidate);
    if (same && found === -1) found = index;
  });
  return found;
}
