import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import { issueAccessToken, verifyAccessToken } from './access-token.ts';
import { SigningKeyError } from './ed25519-jwk.ts';
import {
  createKeyRing,
  DEFAULT_OVERLAP_SECONDS,
  generateSigningKey,
  rotate,
  type StoredKey,
} from './signing-keys.ts';
import { assertRejected, at, AUDIENCE, freshRing, ISSUER, NOW, VERIFY } from './token-test-kit.ts';

const HOUR = 3600;

function issueAt(ring: Awaited<ReturnType<typeof freshRing>>, now: Date) {
  return issueAccessToken(ring, {
    sub: 'user-1',
    scope: ['profile:read'],
    role: 'customer',
    issuer: ISSUER,
    audience: AUDIENCE,
    now,
  });
}

describe('key ring', () => {
  test('generated kids name the algorithm and the day', async () => {
    const jwk = await generateSigningKey(NOW);
    assert.match(jwk.kid, /^ed25519-2026-11-25-[0-9a-f]{8}$/);
    assert.notEqual((await generateSigningKey(NOW)).kid, jwk.kid);
  });

  test('needs exactly one current key and unique kids', async () => {
    const [a, b] = [await generateSigningKey(NOW), await generateSigningKey(NOW)];
    const build = (keys: StoredKey[]) => createKeyRing({ keys, now: NOW });
    await assert.rejects(build([]), SigningKeyError);
    await assert.rejects(
      build([{ jwk: a, state: 'previous', createdAt: NOW }]),
      /exactly one current/,
    );
    await assert.rejects(
      build([
        { jwk: a, state: 'current', createdAt: NOW },
        { jwk: b, state: 'current', createdAt: NOW },
      ]),
      /exactly one current/,
    );
    await assert.rejects(
      build([
        { jwk: a, state: 'current', createdAt: NOW },
        { jwk: { ...b, kid: a.kid }, state: 'previous', createdAt: NOW },
      ]),
      /duplicate kid/,
    );
    await assert.rejects(createKeyRing({ keys: [], now: NOW, overlapSeconds: 0 }), RangeError);
  });

  test('refuses a private key that does not belong to its public key', async () => {
    const [a, b] = [await generateSigningKey(NOW), await generateSigningKey(NOW)];
    await assert.rejects(
      createKeyRing({
        keys: [{ jwk: { ...a, d: b.d }, state: 'current', createdAt: NOW }],
        now: NOW,
      }),
      /does not match/,
    );
  });

  test('retired keys and previous keys past the overlap are dropped', async () => {
    const [current, recent, old, retired] = await Promise.all(
      [1, 2, 3, 4].map(() => generateSigningKey(NOW)),
    );
    const ring = await createKeyRing({
      now: NOW,
      keys: [
        { jwk: current!, state: 'current', createdAt: at(NOW, -HOUR) },
        {
          jwk: recent!,
          state: 'previous',
          createdAt: at(NOW, -9 * HOUR),
          supersededAt: at(NOW, -60),
        },
        {
          jwk: old!,
          state: 'previous',
          createdAt: at(NOW, -9 * HOUR),
          supersededAt: at(NOW, -HOUR),
        },
        { jwk: retired!, state: 'retired', createdAt: at(NOW, -9 * HOUR) },
      ],
    });
    assert.deepEqual(
      ring.publicKeys().map((key) => key.kid),
      [current!.kid, recent!.kid],
    );
  });

  test('JSON, inspect and logs see only public parts', async () => {
    const ring = await freshRing();
    const secret = ring.exportStoredKeys()[0]!.jwk.d;
    for (const view of [JSON.stringify(ring), inspect(ring, { depth: 10, showHidden: true })]) {
      assert.equal(view.includes(secret), false);
      assert.equal(view.includes('"d"'), false);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(ring)), {
      overlapSeconds: DEFAULT_OVERLAP_SECONDS,
      keys: [{ kid: ring.currentKid, state: 'current', createdAt: NOW.toISOString() }],
    });
  });

  test('the signing key cannot be exported', async () => {
    const ring = await freshRing();
    assert.equal(ring.signingKey().key.extractable, false);
    assert.equal(ring.signingKey().kid, ring.currentKid);
  });
});

describe('rotation', () => {
  test('the new key signs, the old one becomes previous: two valid keys', async () => {
    const ring = await freshRing();
    const rotated = await rotate(ring, { now: at(NOW, 60) });
    assert.notEqual(rotated.currentKid, ring.currentKid);
    assert.deepEqual(
      rotated.exportStoredKeys().map((key) => [key.jwk.kid, key.state, key.supersededAt]),
      [
        [rotated.currentKid, 'current', undefined],
        [ring.currentKid, 'previous', at(NOW, 60)],
      ],
    );
    assert.equal(rotated.overlapSeconds, ring.overlapSeconds);
  });

  test('a token from the old key verifies during the overlap, not after', async () => {
    const ring = await freshRing();
    const oldToken = await issueAt(ring, NOW);
    const rotatedAt = at(NOW, 60);
    const rotated = await rotate(ring, { now: rotatedAt });

    const during = { ...VERIFY, now: at(rotatedAt, 600) };
    assert.equal((await verifyAccessToken(rotated, oldToken, during)).sub, 'user-1');
    const newToken = await issueAt(rotated, at(rotatedAt, 600));
    assert.equal((await verifyAccessToken(rotated, newToken, during)).sub, 'user-1');

    // Past the overlap the previous key stops verifying even before the next rotation…
    const after = at(rotatedAt, DEFAULT_OVERLAP_SECONDS);
    // Still unexpired at `after`, so only the key decides.
    const late = await issueAt(ring, at(after, -60));
    await assertRejected(
      verifyAccessToken(rotated, late, { ...VERIFY, now: after }),
      'AUTH_TOKEN_INVALID',
      'kid_unknown',
    );
    // …and the next rotation drops it from the ring altogether.
    const again = await rotate(rotated, { now: after });
    assert.deepEqual(
      again.publicKeys().map((key) => key.kid),
      [again.currentKid, rotated.currentKid],
    );
    await assertRejected(
      verifyAccessToken(again, late, { ...VERIFY, now: after }),
      'AUTH_TOKEN_INVALID',
      'kid_unknown',
    );
  });

  test('a configured overlap is kept across rotations', async () => {
    const ring = await freshRing(NOW, 2 * HOUR);
    const rotated = await rotate(ring, { now: NOW });
    assert.equal(rotated.overlapSeconds, 2 * HOUR);
    assert.ok(rotated.verificationKey(ring.currentKid, at(NOW, 2 * HOUR - 1)));
    assert.equal(rotated.verificationKey(ring.currentKid, at(NOW, 2 * HOUR)), undefined);
  });

  test('rotate accepts a supplied key', async () => {
    const ring = await freshRing();
    const key = await generateSigningKey(NOW);
    assert.equal((await rotate(ring, { now: NOW, key })).currentKid, key.kid);
  });
});
