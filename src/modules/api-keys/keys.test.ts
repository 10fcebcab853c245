import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateApiKey, hashSecret, parseApiKey, secretMatches } from './keys.ts';

const SHAPE = /^tl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

test('a generated key is tl_<12 lower-case alphanumerics>_<43 base64url chars>', () => {
  for (let index = 0; index < 200; index += 1) {
    const { key, prefix, secretHash } = generateApiKey();
    assert.match(key, SHAPE);
    assert.ok(key.startsWith(`tl_${prefix}_`));
    const secret = key.slice(`tl_${prefix}_`.length);
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
    assert.equal(secretHash, createHash('sha256').update(secret).digest('hex'));
    assert.ok(!secretHash.includes(secret));
  }
});

test('prefixes and secrets do not repeat, and use the whole alphabet', () => {
  const keys = Array.from({ length: 2000 }, () => generateApiKey());
  assert.equal(new Set(keys.map((k) => k.prefix)).size, keys.length);
  assert.equal(new Set(keys.map((k) => k.secretHash)).size, keys.length);
  const seen = new Set(keys.flatMap((k) => k.prefix.split('')));
  assert.equal(seen.size, 36, 'every one of 0-9a-z appears in 24,000 random characters');
});

test('parsing round-trips a generated key', () => {
  const { key, prefix, secretHash } = generateApiKey();
  const parsed = parseApiKey(key);
  assert.ok(parsed !== undefined);
  assert.equal(parsed.prefix, prefix);
  assert.equal(hashSecret(parsed.secret), secretHash);
  assert.equal(secretMatches(parsed.secret, secretHash), true);
});

test('a secret containing "_" still parses: the prefix has a fixed length', () => {
  const key = `tl_abcdefghij12_${'_'.repeat(10)}${'A'.repeat(33)}`;
  assert.deepEqual(parseApiKey(key), {
    prefix: 'abcdefghij12',
    secret: `${'_'.repeat(10)}${'A'.repeat(33)}`,
  });
});

test('malformed keys are rejected', () => {
  const { key, prefix } = generateApiKey();
  const secret = key.slice(16);
  const malformed: Record<string, string> = {
    empty: '',
    'prefix only': 'tl_',
    'wrong product prefix': `tk_${prefix}_${secret}`,
    'upper-case prefix': `tl_${prefix.toUpperCase().replace(/^./, 'A')}_${secret}`,
    'short prefix': `tl_${prefix.slice(1)}_${secret}`,
    'long prefix': `tl_${prefix}a_${secret}`,
    'missing separator': `tl_${prefix}${secret}`,
    'short secret': `tl_${prefix}_${secret.slice(1)}`,
    'long secret': `tl_${prefix}_${secret}A`,
    'padded secret': `tl_${prefix}_${secret.slice(0, 42)}=`,
    'standard base64 characters': `tl_${prefix}_${secret.slice(0, 42)}+`,
    'trailing newline': `${key}\n`,
    'leading space': ` ${key}`,
    'non-ASCII': `tl_${prefix.slice(0, 11)}é_${secret}`,
    huge: `${key}${'A'.repeat(100_000)}`,
  };
  for (const [name, value] of Object.entries(malformed)) {
    assert.equal(parseApiKey(value), undefined, name);
  }
});

test('secretMatches is false for another secret and for a malformed stored hash', () => {
  const one = generateApiKey();
  const other = generateApiKey();
  const secret = parseApiKey(one.key)!.secret;
  assert.equal(secretMatches(secret, other.secretHash), false);
  assert.equal(secretMatches(secret, ''), false);
  assert.equal(secretMatches(secret, 'not hex'), false);
  assert.equal(secretMatches(secret, one.secretHash.slice(2)), false);
});
