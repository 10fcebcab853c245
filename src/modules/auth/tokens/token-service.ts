// The `AccessTokens` port of the auth service, backed by the key ring: binds
// issuer, audience, lifetime and the clock once so callers pass only claims.

import type { AccessClaims, AccessTokens } from '../ports.ts';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  issueAccessToken,
  verifyAccessToken,
} from './access-token.ts';
import type { KeyRing } from './signing-keys.ts';

export interface AccessTokenServiceOptions {
  readonly ring: KeyRing;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds?: number;
  readonly clockToleranceSeconds?: number;
  readonly now?: () => Date;
}

export function createAccessTokenService(options: AccessTokenServiceOptions): AccessTokens {
  const { ring, issuer, audience } = options;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  const clockToleranceSeconds = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const now = options.now ?? (() => new Date());
  // Fail at startup, not at the first login: tokens must not outlive their key's overlap.
  if (ttlSeconds > ring.overlapSeconds) {
    throw new RangeError(
      `access-token lifetime ${ttlSeconds}s exceeds the signing-key overlap ${ring.overlapSeconds}s`,
    );
  }
  return {
    async issue(claims: AccessClaims) {
      const token = await issueAccessToken(ring, {
        sub: claims.sub,
        scope: claims.scope,
        role: claims.role,
        sessionId: claims.sid,
        ttlSeconds,
        issuer,
        audience,
        now: now(),
      });
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token: string) {
      const claims = await verifyAccessToken(ring, token, {
        issuer,
        audience,
        now: now(),
        clockToleranceSeconds,
        maxLifetimeSeconds: ttlSeconds,
      });
      return {
        sub: claims.sub,
        role: claims.role,
        scope: claims.scope,
        sid: claims.sid,
        expiresAt: claims.exp,
      };
    },
  };
}
