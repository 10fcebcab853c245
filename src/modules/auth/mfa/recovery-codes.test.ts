import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_BITS,
} from './recovery-codes.ts';

const FORMAT = /^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/;

describe('generateRecoveryCodes', () => {
  test('returns ten distinct xxxx-xxxx-xxxx codes by default', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, FORMAT);
  });

  test('returns the requested count and refuses silly counts', () => {
    assert.equal(generateRecoveryCodes(3).length, 3);
    for (const bad of [0, -1, 1.5, 101]) {
      assert.throws(() => generateRecoveryCodes(bad), RangeError);
    }
  });

  test('carries at least 60 bits of entropy and never uses look-alike letters', () => {
    assert.ok(RECOVERY_CODE_BITS >= 60);
    const all = generateRecoveryCodes(100).join('');
    assert.doesNotMatch(all, /[ilou]/);
  });
});

describe('hashRecoveryCode', () => {
  test('is the SHA-256 hex of the normalised code', () => {
    assert.equal(
      hashRecoveryCode('ABCD-EFGH-JK23'),
      createHash('sha256').update('abcdefghjk23').digest('hex'),
    );
  });

  test('ignores case, dashes and spaces, and folds o/i/l to 0/1', () => {
    const expected = hashRecoveryCode('a0b1-c1d2-e3f4');
    for (const variant of [
      'A0B1C1D2E3F4',
      ' a0b1 c1d2 e3f4 ',
      'AOBI-CLD2-E3F4',
      'a0b1--c1d2-e3f4',
    ]) {
      assert.equal(hashRecoveryCode(variant), expected, variant);
    }
    assert.equal(normaliseRecoveryCode('AoBi-CLd2'), 'a0b1c1d2');
  });
});

describe('matchRecoveryCode', () => {
  const codes = generateRecoveryCodes(5);
  const hashes = codes.map(hashRecoveryCode);

  test('finds the index of each code, however it is typed', () => {
    codes.forEach((code, index) => {
      assert.equal(matchRecoveryCode(code, hashes), index);
      assert.equal(matchRecoveryCode(code.toUpperCase().replace(/-/g, ' '), hashes), index);
    });
  });

  test('returns -1 for an unknown or malformed code', () => {
    assert.equal(matchRecoveryCode(generateRecoveryCodes(1)[0]!, hashes), -1);
    for (const bad of ['', 'abcd', 'abcd-efgh-jkmn-p', 'abcd-efgh-jku!']) {
      assert.equal(matchRecoveryCode(bad, hashes), -1, bad);
    }
  });

  test('tolerates malformed stored hashes and still finds a later match', () => {
    const code = codes[2]!;
    assert.equal(matchRecoveryCode(code, ['', 'not-a-hash', hashRecoveryCode(code)]), 2);
  });

  test('returns -1 against an empty list (all codes used)', () => {
    assert.equal(matchRecoveryCode(codes[0]!, []), -1);
  });
});
