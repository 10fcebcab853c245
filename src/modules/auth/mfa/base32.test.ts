import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode } from './base32.ts';

// RFC 4648 §10 test vectors, with the padding removed (we never emit it).
const VECTORS: readonly [string, string][] = [
  ['', ''],
  ['f', 'MY'],
  ['fo', 'MZXQ'],
  ['foo', 'MZXW6'],
  ['foob', 'MZXW6YQ'],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI'],
];

describe('base32', () => {
  test('encodes the RFC 4648 vectors without padding', () => {
    for (const [plain, encoded] of VECTORS) {
      assert.equal(base32Encode(Buffer.from(plain)), encoded, plain);
    }
  });

  test('decodes the RFC 4648 vectors, padded or not, in either case', () => {
    for (const [plain, encoded] of VECTORS) {
      assert.equal(base32Decode(encoded).toString(), plain, encoded);
      const padded = encoded + '='.repeat((8 - (encoded.length % 8)) % 8);
      assert.equal(base32Decode(padded).toString(), plain, padded);
      assert.equal(base32Decode(encoded.toLowerCase()).toString(), plain);
    }
  });

  test('round-trips random bytes of every length up to 41', () => {
    for (let length = 0; length <= 41; length += 1) {
      const bytes = randomBytes(length);
      assert.deepEqual(base32Decode(base32Encode(bytes)), bytes);
    }
  });

  test('the RFC 6238 seed encodes to its well-known base32 form', () => {
    assert.equal(
      base32Encode(Buffer.from('12345678901234567890')),
      'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    );
  });

  test('rejects characters outside the alphabet', () => {
    for (const bad of ['MZXW1', 'MZXW8', 'MZ XW', 'MZ-XW6']) {
      assert.throws(() => base32Decode(bad), SyntaxError, bad);
    }
  });

  test('rejects impossible lengths and non-zero leftover bits', () => {
    assert.throws(() => base32Decode('M'), /length/);
    assert.throws(() => base32Decode('MZX'), /length/);
    assert.throws(() => base32Decode('MZXW6Y'), /length/);
    // 'MZ' is 'f' with zero leftover bits; 'M3' differs only in those bits.
    assert.throws(() => base32Decode('M3'), /non-canonical/);
  });
});
