// Verification rules beyond signatures: typ, issuer, audience, claim types,
// time with clock skew, malformed input, and what the public error reveals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactSign } from 'jose';
import { isAppError } from '../../../errors/index.ts';
import { MAX_ACCESS_TOKEN_LENGTH, verifyAccessToken } from './access-token.ts';
import { tokenErrors } from './token-errors.ts';
import {
  assertRejected,
  at,
  AUDIENCE,
  base64url,
  epoch,
  forge,
  tokenFixture,
  NOW,
  validClaims,
  VERIFY,
} from './token-test-kit.ts';

const { ring, kid, ourKey, header: HEADER, issue } = await tokenFixture(['profile:read']);

describe('verifyAccessToken: typ, issuer, audience, claims', () => {
  test('typ must be at+jwt', async () => {
    for (const typ of [undefined, 'JWT', 'application/jwt']) {
      const token = await forge({ alg: 'EdDSA', kid, ...(typ && { typ }) }, validClaims(), ourKey);
      await assertRejected(
        verifyAccessToken(ring, token, VERIFY),
        'AUTH_TOKEN_INVALID',
        'typ_mismatch',
      );
    }
  });

  test('issuer and audience must match exactly', async () => {
    const token = await issue();
    for (const options of [
      { ...VERIFY, issuer: 'someone-else' },
      { ...VERIFY, audience: 'another-api' },
    ]) {
      await assertRejected(
        verifyAccessToken(ring, token, options),
        'AUTH_TOKEN_INVALID',
        'claims_invalid',
      );
    }
    const multi = await forge(HEADER, validClaims({ aud: [AUDIENCE, 'another-api'] }), ourKey);
    await assertRejected(
      verifyAccessToken(ring, multi, VERIFY),
      'AUTH_TOKEN_INVALID',
      'claims_invalid',
    );
  });

  test('missing or mistyped claims are refused', async () => {
    const broken = [
      validClaims({ jti: undefined }),
      validClaims({ exp: undefined }),
      validClaims({ role: 'root' }),
      validClaims({ scope: ['profile:read'] }),
      validClaims({ sub: '' }),
      validClaims({ sid: 42 }),
    ];
    for (const claims of broken) {
      const token = await forge(HEADER, claims, ourKey);
      await assertRejected(
        verifyAccessToken(ring, token, VERIFY),
        'AUTH_TOKEN_INVALID',
        'claims_invalid',
      );
    }
  });
});

describe('verifyAccessToken: time, with 60 s of skew', () => {
  test('expired 30 s ago passes; expired 90 s ago is AUTH_TOKEN_EXPIRED', async () => {
    const recent = await issue(at(NOW, -900 - 30));
    assert.equal((await verifyAccessToken(ring, recent, VERIFY)).sub, 'user-1');
    const stale = await issue(at(NOW, -900 - 90));
    await assertRejected(verifyAccessToken(ring, stale, VERIFY), 'AUTH_TOKEN_EXPIRED', 'expired');
  });

  test('issued 30 s in the future passes; 90 s in the future is refused', async () => {
    assert.equal((await verifyAccessToken(ring, await issue(at(NOW, 30)), VERIFY)).sub, 'user-1');
    const early = await issue(at(NOW, 90));
    await assertRejected(
      verifyAccessToken(ring, early, VERIFY),
      'AUTH_TOKEN_INVALID',
      'claims_invalid',
    );
  });

  test('iat alone in the future is refused too', async () => {
    const token = await forge(HEADER, validClaims({ iat: epoch(NOW) + 90 }), ourKey);
    await assertRejected(
      verifyAccessToken(ring, token, VERIFY),
      'AUTH_TOKEN_INVALID',
      'claims_invalid',
    );
    const slight = await forge(HEADER, validClaims({ iat: epoch(NOW) + 30 }), ourKey);
    assert.equal((await verifyAccessToken(ring, slight, VERIFY)).iat, epoch(NOW) + 30);
  });

  test('the tolerance is configurable', async () => {
    const stale = await issue(at(NOW, -900 - 30));
    await assertRejected(
      verifyAccessToken(ring, stale, { ...VERIFY, clockToleranceSeconds: 0 }),
      'AUTH_TOKEN_EXPIRED',
      'expired',
    );
  });
});

describe('verifyAccessToken: a lifetime no longer than ours', () => {
  test('exp - iat may exceed the lifetime by the tolerance, not more', async () => {
    const lifetime = { ...VERIFY, maxLifetimeSeconds: 900 };
    const edge = await forge(HEADER, validClaims({ exp: epoch(NOW) + 900 + 60 }), ourKey);
    assert.equal((await verifyAccessToken(ring, edge, lifetime)).exp, epoch(NOW) + 960);
    for (const exp of [epoch(NOW) + 900 + 61, epoch(NOW) + 10 * 365 * 86_400]) {
      const token = await forge(HEADER, validClaims({ exp }), ourKey);
      await assertRejected(
        verifyAccessToken(ring, token, lifetime),
        'AUTH_TOKEN_INVALID',
        'claims_invalid',
      );
    }
  });

  test('the default lifetime is the issuing default (15 minutes)', async () => {
    assert.equal((await verifyAccessToken(ring, await issue(), VERIFY)).sub, 'user-1');
    const long = await forge(HEADER, validClaims({ exp: epoch(NOW) + 3600 }), ourKey);
    await assertRejected(
      verifyAccessToken(ring, long, VERIFY),
      'AUTH_TOKEN_INVALID',
      'claims_invalid',
    );
    const allowed = { ...VERIFY, maxLifetimeSeconds: 3600 };
    assert.equal((await verifyAccessToken(ring, long, allowed)).sub, 'user-1');
  });

  test('a token without iat is refused: its lifetime cannot be told', async () => {
    const token = await forge(HEADER, validClaims({ iat: undefined }), ourKey);
    await assertRejected(
      verifyAccessToken(ring, token, VERIFY),
      'AUTH_TOKEN_INVALID',
      'claims_invalid',
    );
  });
});

describe('verifyAccessToken: malformed input fails fast with a token error', () => {
  const cases: [string, unknown, string][] = [
    ['empty', '', 'malformed'],
    ['two segments', 'abc.def', 'malformed'],
    ['four segments', 'a.b.c.d', 'malformed'],
    ['bad base64url', 'a+b.c/d.e=f', 'malformed'],
    ['header not JSON', `${base64url('{nope')}.${base64url('{}')}.c2ln`, 'malformed'],
    ['header an array', `${base64url([1])}.${base64url('{}')}.c2ln`, 'malformed'],
    ['not a string', 42, 'malformed'],
    ['over 8 KiB', `${'a'.repeat(MAX_ACCESS_TOKEN_LENGTH)}.b.c`, 'too_large'],
  ];
  for (const [name, token, reason] of cases) {
    test(name, async () => {
      await assertRejected(
        verifyAccessToken(ring, token as string, VERIFY),
        'AUTH_TOKEN_INVALID',
        reason as 'malformed',
      );
    });
  }

  test('a payload that is not JSON, under a valid signature, is still a token error', async () => {
    const jws = await new CompactSign(Buffer.from('not json'))
      .setProtectedHeader(HEADER)
      .sign(ourKey);
    await assertRejected(verifyAccessToken(ring, jws, VERIFY), 'AUTH_TOKEN_INVALID', 'malformed');
  });
});

test('public errors say only "invalid" or "expired"; the reason stays in cause', async () => {
  const noKid = await forge({ alg: 'EdDSA', typ: 'at+jwt' }, validClaims(), ourKey);
  const [fresh, stale] = [await issue(), await issue(at(NOW, -3600))];
  const failures = await Promise.allSettled([
    verifyAccessToken(ring, 'a.b', VERIFY),
    verifyAccessToken(ring, noKid, VERIFY),
    verifyAccessToken(ring, fresh, { ...VERIFY, audience: 'x' }),
    verifyAccessToken(ring, stale, VERIFY),
  ]);
  assert.deepEqual(
    failures.map(
      (failure) => failure.status === 'rejected' && (failure.reason as { code: string }).code,
    ),
    ['AUTH_TOKEN_INVALID', 'AUTH_TOKEN_INVALID', 'AUTH_TOKEN_INVALID', 'AUTH_TOKEN_EXPIRED'],
  );
  for (const failure of failures) {
    assert.equal(failure.status, 'rejected');
    const error: unknown = failure.reason;
    assert.ok(isAppError(error));
    assert.equal(error.detail, undefined);
    assert.equal(error.message, tokenErrors[error.code as keyof typeof tokenErrors].title);
    assert.match(error.headers?.['www-authenticate'] ?? '', /^Bearer error="invalid_token"/);
  }
});
