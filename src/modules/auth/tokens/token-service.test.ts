import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { createAccessTokenService } from './token-service.ts';
import { assertRejected, at, AUDIENCE, freshRing, ISSUER, NOW } from './token-test-kit.ts';

const ring = await freshRing();

test('issues and verifies the auth service claims with the bound settings', async () => {
  let clock = NOW;
  const tokens = createAccessTokenService({
    ring,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlSeconds: 600,
    now: () => clock,
  });
  const claims = {
    sub: 'user-7',
    role: 'editor',
    scope: ['catalog:write'],
    sid: 'family-7',
  } as const;
  const { token, expiresIn } = await tokens.issue(claims);
  assert.equal(expiresIn, 600);
  assert.equal(decodeJwt(token).exp, Math.floor(NOW.getTime() / 1000) + 600);
  assert.deepEqual(await tokens.verify(token), {
    ...claims,
    expiresAt: Math.floor(NOW.getTime() / 1000) + 600,
  });

  clock = at(NOW, 600 + 61);
  await assertRejected(tokens.verify(token), 'AUTH_TOKEN_EXPIRED', 'expired');
});

test('refuses a lifetime longer than the key overlap at construction', () => {
  assert.throws(
    () =>
      createAccessTokenService({
        ring,
        issuer: ISSUER,
        audience: AUDIENCE,
        ttlSeconds: ring.overlapSeconds + 1,
      }),
    RangeError,
  );
});
