// Base32 as RFC 4648 §6 defines it (alphabet A–Z, 2–7): the encoding
// authenticator apps expect for TOTP secrets in otpauth:// URIs. Output has
// no `=` padding, which the Key Uri Format asks to omit; input may carry it.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const VALUES = new Map<string, number>(
  Array.from({ length: ALPHABET.length }, (_, index) => [ALPHABET.charAt(index), index]),
);

/**
 * An unpadded quantum ends after 2, 4, 5 or 7 characters (8, 16, 24 or 32
 * bits); any other remainder cannot come from whole bytes (RFC 4648 §6).
 */
const VALID_REMAINDERS = new Set([0, 2, 4, 5, 7]);

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >> bits) & 31);
    }
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/**
 * Decodes upper- or lower-case base32, with or without trailing padding.
 * Throws a SyntaxError for characters outside the alphabet, impossible
 * lengths and non-zero leftover bits: RFC 4648 §3.5 lets decoders reject
 * such non-canonical input, and a secret must decode one way only.
 */
export function base32Decode(text: string): Buffer {
  const body = text.toUpperCase().replace(/=+$/, '');
  if (!VALID_REMAINDERS.has(body.length % 8)) {
    throw new SyntaxError(`invalid base32 length ${body.length}`);
  }
  const out = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    const value = VALUES.get(char);
    if (value === undefined)
      throw new SyntaxError(`invalid base32 character ${JSON.stringify(char)}`);
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new SyntaxError('non-canonical base32: leftover bits are not zero');
  }
  return out;
}
