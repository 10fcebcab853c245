import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { issueAccessToken } from './access-token.ts';
import { jwksDocument } from './jwks.ts';
import { DEFAULT_OVERLAP_SECONDS, rotate } from './signing-keys.ts';
import { at, AUDIENCE, freshRing, ISSUER, NOW } from './token-test-kit.ts';

test('publishes current and previous public keys, never a private member', async () => {
  const old = await freshRing();
  const ring = await rotate(old, { now: NOW });
  const document = jwksDocument(ring);

  assert.deepEqual(
    document.keys.map((key) => key.kid),
    [ring.currentKid, old.currentKid],
  );
  const privateValues = ring.exportStoredKeys().map((key) => key.jwk.d);
  for (const key of document.keys) {
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    assert.equal(key.alg, 'EdDSA');
    assert.equal(key.use, 'sig');
    assert.equal('d' in key, false);
  }
  const json = JSON.stringify(document);
  for (const secret of privateValues) assert.equal(json.includes(secret), false);
});

test('with `now`, leaves out previous keys whose overlap has ended', async () => {
  const old = await freshRing();
  const ring = await rotate(old, { now: NOW });
  const later = at(NOW, DEFAULT_OVERLAP_SECONDS);
  assert.deepEqual(
    jwksDocument(ring, later).keys.map((key) => key.kid),
    [ring.currentKid],
  );
});

test('a standard JWKS consumer can verify our tokens with the document', async () => {
  const ring = await freshRing();
  const token = await issueAccessToken(ring, {
    sub: 'user-1',
    scope: ['profile:read'],
    role: 'editor',
    issuer: ISSUER,
    audience: AUDIENCE,
    now: NOW,
  });
  const keySet = createLocalJWKSet({ keys: [...jwksDocument(ring).keys] });
  const { payload } = await jwtVerify(token, keySet, {
    algorithms: ['EdDSA'],
    currentDate: NOW,
  });
  assert.equal(payload.role, 'editor');
});
