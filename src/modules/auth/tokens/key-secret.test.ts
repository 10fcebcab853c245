import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { SigningKeyError } from './ed25519-jwk.ts';
import { keyRingFromSecret, parseKeySecret } from './key-secret.ts';
import { generateSigningKey } from './signing-keys.ts';
import { NOW } from './token-test-kit.ts';

const first = await generateSigningKey(NOW);
const second = await generateSigningKey(NOW);

function rejects(secret: unknown, message: RegExp) {
  const text = typeof secret === 'string' ? secret : JSON.stringify(secret);
  assert.throws(
    () => parseKeySecret(text, NOW),
    (error: unknown) => {
      assert.ok(error instanceof SigningKeyError);
      assert.match(error.message, message);
      // The secret's private members never appear in the message.
      assert.equal(error.message.includes(first.d), false);
      return true;
    },
  );
}

describe('parseKeySecret', () => {
  test('the first key is current, the others previous, with no overlap deadline', () => {
    const keys = parseKeySecret(
      JSON.stringify([first, { ...second, alg: 'EdDSA', use: 'sig' }]),
      NOW,
    );
    assert.deepEqual(
      keys.map((key) => [key.jwk.kid, key.state, key.createdAt, key.supersededAt]),
      [
        [first.kid, 'current', NOW, undefined],
        [second.kid, 'previous', NOW, undefined],
      ],
    );
    assert.deepEqual(Object.keys(keys[1]!.jwk).sort(), ['crv', 'd', 'kid', 'kty', 'x']);
  });

  test('not JSON: the message does not quote the secret', () => {
    rejects(`[${JSON.stringify(first)}`, /^JWT_SIGNING_KEYS is not valid JSON$/);
  });

  test('not an array, or empty', () => {
    rejects({ keys: [first] }, /JSON array.*found a JWK Set object/);
    rejects('"text"', /must be a JSON array of private JWKs$/);
    rejects([], /at least one key/);
    rejects([first, 'nope'], /JWT_SIGNING_KEYS\[1\]: expected a JWK object/);
  });

  test('wrong key type, curve or algorithm', async () => {
    const rsa = await exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey);
    rejects([{ ...rsa, kid: 'r' }], /JWT_SIGNING_KEYS\[0\]: kty must be "OKP" \(got "RSA"\)/);
    rejects([{ ...first, crv: 'X25519' }], /crv must be "Ed25519" \(got "X25519"\)/);
    rejects(
      [first, { ...second, alg: 'ES256' }],
      /JWT_SIGNING_KEYS\[1\]: alg must be "EdDSA" \(got "ES256"\)/,
    );
    rejects([{ ...first, use: 'enc' }], /use must be "sig"/);
  });

  test('missing or unusable kid', () => {
    const { kid: _kid, ...noKid } = first;
    rejects([noKid], /JWT_SIGNING_KEYS\[0\]: missing "kid"/);
    rejects([{ ...first, kid: '' }], /missing "kid"/);
    rejects([{ ...first, kid: 'has space' }], /"kid" must be 1-128 characters/);
  });

  test('public-only key', () => {
    const { d: _d, ...publicOnly } = second;
    rejects([first, publicOnly], new RegExp(`\\[1\\] \\(kid "${second.kid}"\\): public-only key`));
  });

  test('malformed key material', () => {
    rejects([{ ...first, x: 'short' }], /"x" must be a 32-byte base64url public key/);
    rejects([{ ...first, d: `${first.d}AA` }], /"d" must be a 32-byte base64url private key/);
  });

  test('duplicate kid', () => {
    rejects([first, { ...second, kid: first.kid }], new RegExp(`duplicate kid "${first.kid}"`));
  });
});

test('keyRingFromSecret builds a ring that signs with the first key', async () => {
  const ring = await keyRingFromSecret(JSON.stringify([first, second]), { now: NOW });
  assert.equal(ring.currentKid, first.kid);
  assert.deepEqual(
    ring.publicKeys().map((key) => key.kid),
    [first.kid, second.kid],
  );
  // Secret-sourced previous keys stay until the operator removes them.
  assert.ok(ring.verificationKey(second.kid, new Date('2030-01-01T00:00:00Z')));
});
