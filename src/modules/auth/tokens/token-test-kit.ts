// Shared pieces for the token tests: a fixed clock, rings, a forger that
// signs any header and payload with any key (to play the attacker), and an
// assertion for "rejected with this code for this reason".

import assert from 'node:assert/strict';
import { SignJWT, type CryptoKey, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { isAppError } from '../../../errors/index.ts';
import { issueAccessToken } from './access-token.ts';
import { createKeyRing, generateSigningKey, type KeyRing } from './signing-keys.ts';
import { rejectionReason, type TokenErrorCode, type TokenRejectionReason } from './token-errors.ts';

export const NOW = new Date('2026-11-25T12:00:00.000Z');
export const ISSUER = 'throughline';
export const AUDIENCE = 'throughline-api';
export const VERIFY = { issuer: ISSUER, audience: AUDIENCE, now: NOW } as const;

export function at(base: Date, offsetSeconds: number): Date {
  return new Date(base.getTime() + offsetSeconds * 1000);
}

export function epoch(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export async function freshRing(now: Date = NOW, overlapSeconds?: number): Promise<KeyRing> {
  const jwk = await generateSigningKey(now);
  return createKeyRing({ keys: [{ jwk, state: 'current', createdAt: now }], now, overlapSeconds });
}

/**
 * A fresh ring with its current key and header, and `issue` for a genuine
 * customer token (`scope` as given) at a chosen time.
 */
export async function tokenFixture(scope: readonly string[]) {
  const ring = await freshRing();
  const kid = ring.currentKid;
  return {
    ring,
    kid,
    ourKey: ring.signingKey().key,
    header: { alg: 'EdDSA', kid, typ: 'at+jwt' } as const,
    issue: (now: Date = NOW, extra: { sessionId?: string } = {}) =>
      issueAccessToken(ring, {
        sub: 'user-1',
        scope: [...scope],
        role: 'customer',
        issuer: ISSUER,
        audience: AUDIENCE,
        now,
        ...extra,
      }),
  };
}

/** Claims a genuine token would carry at NOW. */
export function validClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: epoch(NOW),
    nbf: epoch(NOW),
    exp: epoch(NOW) + 900,
    jti: 'jti-1',
    scope: 'profile:read',
    role: 'customer',
    ...overrides,
  };
}

/** Signs exactly the given header and payload, as an attacker with `key` would. */
export function forge(
  header: JWTHeaderParameters,
  payload: JWTPayload,
  key: CryptoKey | Uint8Array,
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

export function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString(
    'base64url',
  );
}

/** Awaits a rejection with the given public code and log-only reason. */
export async function assertRejected(
  promise: Promise<unknown>,
  code: TokenErrorCode,
  reason: TokenRejectionReason,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isAppError(error), `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, 401);
    assert.equal(rejectionReason(error), reason);
    return true;
  });
}
