// Issuing, and verification rules about algorithms and keys (RFC 8725 §3.1, §3.10).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { issueAccessToken, verifyAccessToken } from './access-token.ts';
import {
  assertRejected,
  AUDIENCE,
  base64url,
  epoch,
  forge,
  tokenFixture,
  ISSUER,
  NOW,
  validClaims,
  VERIFY,
} from './token-test-kit.ts';

const {
  ring,
  kid,
  ourKey,
  header: HEADER,
  issue,
} = await tokenFixture(['profile:read', 'orders:read:own']);

describe('issueAccessToken', () => {
  test('signs an RFC 9068 token with the current kid and all claims', async () => {
    const token = await issue(NOW, { sessionId: 'family-1' });
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', kid, typ: 'at+jwt' });
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.sub, 'user-1');
    assert.equal(claims.iat, epoch(NOW));
    assert.equal(claims.nbf, epoch(NOW));
    assert.equal(claims.exp, epoch(NOW) + 900);
    assert.equal(claims.scope, 'profile:read orders:read:own');
    assert.equal(claims.role, 'customer');
    assert.equal(claims.sid, 'family-1');
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
  });

  test('round-trips through verification; jti is fresh per token; no sid when not given', async () => {
    const [first, second] = [await issue(), await issue()];
    const claims = await verifyAccessToken(ring, first, VERIFY);
    assert.deepEqual(claims.scope, ['profile:read', 'orders:read:own']);
    assert.equal(claims.role, 'customer');
    assert.equal(claims.sid, undefined);
    assert.equal('sid' in decodeJwt(first), false);
    assert.notEqual(claims.jti, decodeJwt(second).jti);
  });

  test('refuses a lifetime longer than the key overlap and scope tokens with spaces', async () => {
    await assert.rejects(
      issueAccessToken(ring, { ...baseInput(), ttlSeconds: ring.overlapSeconds + 1 }),
      RangeError,
    );
    await assert.rejects(issueAccessToken(ring, { ...baseInput(), scope: ['a b'] }), TypeError);
  });
});

function baseInput() {
  return {
    sub: 'user-1',
    scope: ['profile:read'],
    role: 'customer' as const,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: NOW,
  };
}

describe('verifyAccessToken: algorithms', () => {
  test('alg "none" is refused, with or without a signature', async () => {
    const unsigned = `${base64url({ alg: 'none', kid, typ: 'at+jwt' })}.${base64url(validClaims())}`;
    await assertRejected(
      verifyAccessToken(ring, `${unsigned}.`, VERIFY),
      'AUTH_TOKEN_INVALID',
      'malformed',
    );
    await assertRejected(
      verifyAccessToken(ring, `${unsigned}.${base64url('junk')}`, VERIFY),
      'AUTH_TOKEN_INVALID',
      'alg_not_allowed',
    );
  });

  test('HS256 signed with our public key bytes as the HMAC secret is refused', async () => {
    const publicJwk = ring.publicKeys()[0]!;
    const secrets = [
      Buffer.from(publicJwk.x, 'base64url'),
      Buffer.from(JSON.stringify(publicJwk)),
      Buffer.from(publicJwk.x),
    ];
    for (const secret of secrets) {
      const token = await forge({ ...HEADER, alg: 'HS256' }, validClaims(), secret);
      await assertRejected(
        verifyAccessToken(ring, token, VERIFY),
        'AUTH_TOKEN_INVALID',
        'alg_not_allowed',
      );
    }
  });

  test('RS256 and ES256 tokens are refused even with our kid', async () => {
    for (const alg of ['RS256', 'ES256']) {
      const { privateKey } = await generateKeyPair(alg);
      const token = await forge({ ...HEADER, alg }, validClaims(), privateKey);
      await assertRejected(
        verifyAccessToken(ring, token, VERIFY),
        'AUTH_TOKEN_INVALID',
        'alg_not_allowed',
      );
    }
  });
});

describe('verifyAccessToken: key selection', async () => {
  const attacker = await generateKeyPair('Ed25519', { extractable: true });
  const attackerJwk = await exportJWK(attacker.publicKey);

  test('a token without kid is refused', async () => {
    const token = await forge({ alg: 'EdDSA', typ: 'at+jwt' }, validClaims(), ourKey);
    await assertRejected(
      verifyAccessToken(ring, token, VERIFY),
      'AUTH_TOKEN_INVALID',
      'kid_missing',
    );
  });

  test('an embedded jwk header is ignored: its own kid is unknown, ours fails the signature', async () => {
    const ownKid = await forge(
      { ...HEADER, kid: 'attacker', jwk: attackerJwk },
      validClaims(),
      attacker.privateKey,
    );
    await assertRejected(
      verifyAccessToken(ring, ownKid, VERIFY),
      'AUTH_TOKEN_INVALID',
      'kid_unknown',
    );
    const ourKid = await forge({ ...HEADER, jwk: attackerJwk }, validClaims(), attacker.privateKey);
    await assertRejected(
      verifyAccessToken(ring, ourKid, VERIFY),
      'AUTH_TOKEN_INVALID',
      'signature_invalid',
    );
  });

  test('jku and x5u are never fetched', async () => {
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [{ ...attackerJwk, kid }] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const token = await forge(
        { ...HEADER, jku: url, x5u: url },
        validClaims(),
        attacker.privateKey,
      );
      await assertRejected(
        verifyAccessToken(ring, token, VERIFY),
        'AUTH_TOKEN_INVALID',
        'signature_invalid',
      );
      assert.equal(fetches, 0);
    } finally {
      server.close();
    }
  });

  test('a tampered payload fails the signature', async () => {
    const [head, , signature] = (await issue()).split('.');
    const elevated = base64url(validClaims({ role: 'admin' }));
    await assertRejected(
      verifyAccessToken(ring, `${head}.${elevated}.${signature}`, VERIFY),
      'AUTH_TOKEN_INVALID',
      'signature_invalid',
    );
  });

  test('the verification key is imported once and reused for every request', async () => {
    const first = ring.verificationKey(kid, NOW);
    assert.ok(first instanceof CryptoKey);
    assert.equal(ring.verificationKey(kid, NOW), first);
    const token = await issue();
    for (let i = 0; i < 200; i += 1) await verifyAccessToken(ring, token, VERIFY);
    assert.equal(ring.verificationKey(kid, NOW), first);
  });
});
