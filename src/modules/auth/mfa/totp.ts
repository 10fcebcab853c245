// Time-based one-time passwords (RFC 6238) on top of HOTP (RFC 4226), with
// the parameters every authenticator app supports: HMAC-SHA1, 6 digits,
// 30-second steps. SHA-1 is fine here: HOTP relies on HMAC's PRF property,
// which collisions in SHA-1 do not break (RFC 4226 Appendix A.2).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.ts';

/** RFC 6238 §4.1: X, the time step in seconds (its recommended default). */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/**
 * Steps accepted either side of the current one: RFC 6238 §5.2 recommends at
 * most one, to absorb clock drift and the time it takes to type the code.
 */
const WINDOW = 1;

/** 160 bits: the HMAC-SHA1 output size, RFC 4226 §4 R6's recommended length. */
const SECRET_BYTES = 20;

/** A fresh shared secret, base32-encoded for storage and for the otpauth:// URI. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? base32Decode(secret) : secret;
}

/**
 * HOTP(K, C) (RFC 4226 §5.3): HMAC-SHA1 of the 8-byte big-endian counter,
 * dynamic truncation to 31 bits, then the low `digits` decimal digits,
 * zero-padded. `secret` is base32 text or the raw key bytes.
 */
export function totpCode(
  secret: string | Uint8Array,
  counter: number | bigint,
  digits = TOTP_DIGITS,
): string {
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) {
    throw new RangeError(`digits must be an integer from 6 to 10, got ${digits}`);
  }
  const counterBytes = Buffer.alloc(8);
  counterBytes.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secretBytes(secret)).update(counterBytes).digest();
  // §5.4: the low 4 bits of the last byte pick where the 4 bytes start.
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return (binary % 10 ** digits).toString().padStart(digits, '0');
}

/** T = floor((now − T0) / X) with T0 = 0, the Unix epoch (RFC 6238 §4.2). */
export function totpStep(now: Date | number): number {
  const millis = typeof now === 'number' ? now : now.getTime();
  return Math.floor(millis / 1000 / TOTP_PERIOD_SECONDS);
}

export interface TotpUriInput {
  /** Base32, as generateTotpSecret returns it. */
  readonly secret: string;
  /** Shown under the issuer in the app, typically the email address. */
  readonly account: string;
  readonly issuer: string;
}

/** RFC 3986 unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The otpauth:// URI (Key Uri Format) to show as a QR code. The label is
 * `Issuer:account`, and the issuer is repeated as a parameter because some
 * apps read only one of the two. A colon inside either part would make the
 * label ambiguous, so it is refused.
 */
export function totpUri({ secret, account, issuer }: TotpUriInput): string {
  if (issuer.includes(':') || account.includes(':')) {
    throw new RangeError('issuer and account must not contain ":" (the label separator)');
  }
  const label = `${percentEncode(issuer)}:${percentEncode(account)}`;
  const query = [
    `secret=${secret}`,
    `issuer=${percentEncode(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

export interface VerifyTotpInput {
  /** Base32 text or raw key bytes. */
  readonly secret: string | Uint8Array;
  /** What the user typed: exactly `digits` ASCII digits, nothing else. */
  readonly code: string;
  readonly now: Date | number;
  /** The step the caller stored after the last successful verification. */
  readonly lastUsedStep?: number | null;
  /** Default 6; other lengths exist for the RFC's 8-digit test vectors. */
  readonly digits?: number;
}

export type VerifyTotpResult =
  | { readonly ok: true; readonly step: number }
  | { readonly ok: false; readonly reason: 'invalid' | 'replayed' };

/**
 * Checks a code against the current step and one step either side. Every
 * candidate is compared in constant time, and all of them always are, so
 * the time taken does not reveal which step (if any) matched.
 *
 * A code whose step is at or before `lastUsedStep` is refused: RFC 6238 §5.2
 * requires that a code be accepted only once. The caller must store the
 * returned `step` atomically with the login it authorises. When the same
 * code happens to be valid for two steps, the later one is returned so the
 * same digits cannot be replayed against the other.
 */
export function verifyTotp(input: VerifyTotpInput): VerifyTotpResult {
  const digits = input.digits ?? TOTP_DIGITS;
  // Rejected before any comparison: timingSafeEqual needs equal lengths, and
  // the length and shape of the input are not secret.
  // eslint-disable-next-line security/detect-non-literal-regexp -- digits is a number from configuration, not the code being checked
  if (!new RegExp(`^[0-9]{${digits}}$`).test(input.code)) return { ok: false, reason: 'invalid' };
  const key = secretBytes(input.secret);
  const given = Buffer.from(input.code, 'ascii');
  const current = totpStep(input.now);
  let matched: number | undefined;
  for (let step = current - WINDOW; step <= current + WINDOW; step += 1) {
    if (step < 0) continue;
    const expected = Buffer.from(totpCode(key, step, digits), 'ascii');
    if (timingSafeEqual(given, expected)) matched = step;
  }
  if (matched === undefined) return { ok: false, reason: 'invalid' };
  const lastUsed = input.lastUsedStep ?? -1;
  if (matched <= lastUsed) return { ok: false, reason: 'replayed' };
  return { ok: true, step: matched };
}
