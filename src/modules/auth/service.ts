// Login, refresh-token rotation with reuse detection, logout. HTTP-free: the
// routes translate requests into these calls and results into responses.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthDatabase } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { findCredentialsByEmail, findUserById, updatePasswordHash } from '../users/repo.ts';
import type { PasswordHasher } from '../users/passwords.ts';
import type { User } from '../users/schemas.ts';
import { authError } from './errors.ts';
import type { AccessTokens } from './ports.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { permissionsOf } from '../users/rbac.ts';
import {
  findRefreshTokenForUpdate,
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeFamily,
} from './refresh-repo.ts';
import type { MfaService, SecondFactor } from './mfa/service.ts';
import { tooManyAttempts, type ThrottlePolicy, type ThrottleStore } from './throttle.ts';

export interface TokenPair {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
}

export interface AuthServiceDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly tokens: AccessTokens;
  readonly audit: AuditSink;
  readonly throttle: ThrottlePolicy;
  /** Where failure counters live (the database, or Redis when configured). */
  readonly lockouts: ThrottleStore;
  readonly mfa: Pick<MfaService, 'isRequired' | 'challenge' | 'complete'>;
  readonly refreshTtlSeconds: number;
  readonly passwords: PasswordHasher;
  readonly now?: () => Date;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
  readonly ip: string;
}

export interface AuthService {
  /**
   * The user behind an email and password. Throws AUTH_MFA_REQUIRED (with an
   * `mfaToken` extension) when the account has a second factor.
   */
  verifyCredentials(input: Credentials): Promise<User>;
  /**
   * Lets in a user whose first factor checked out (a password, a provider's
   * id_token, a passkey): throws AUTH_MFA_REQUIRED when the account has a
   * second factor and the first was not already multi-factor; audits the
   * sign-in otherwise.
   */
  admit(user: User, how: SignInMethod): Promise<User>;
  /** The user behind a challenge from verifyCredentials and its second factor. */
  completeMfa(input: { mfaToken: string; factor: SecondFactor; ip: string }): Promise<User>;
  /** Starts a token session (a refresh-token family) for a verified user. */
  issueTokens(user: User): Promise<TokenPair>;
  login(input: Credentials): Promise<TokenPair>;
  refresh(input: { refreshToken: string; ip: string }): Promise<TokenPair>;
  logout(input: { sessionId: string; userId: string; ip: string }): Promise<void>;
}

export interface SignInMethod {
  readonly ip: string;
  readonly method: 'password' | 'oidc' | 'passkey';
  readonly provider?: string;
  /** A user-verifying passkey is possession plus PIN or biometrics: no second step. */
  readonly multiFactor?: boolean;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const now = deps.now ?? (() => new Date());
  const { sql, audit, passwords } = deps;
  // Verifying against this when the email is unknown makes both paths cost
  // one argon2 verification, so response time does not reveal which it was.
  const dummyHash = passwords.hash(randomUUID());

  async function startSession(user: User, familyId: string = randomUUID()): Promise<TokenPair> {
    const issuedAt = now();
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
    await insertRefreshToken(sql.db, {
      familyId,
      userId: user.id,
      tokenHash: hashRefreshToken(refreshToken),
      createdAt: issuedAt,
      expiresAt: new Date(issuedAt.getTime() + deps.refreshTtlSeconds * 1000),
    });
    return tokenPair(user, familyId, refreshToken);
  }

  async function tokenPair(user: User, familyId: string, refreshToken: string): Promise<TokenPair> {
    const access = await deps.tokens.issue({
      sub: user.id,
      role: user.role,
      scope: [...permissionsOf(user.role)],
      sid: familyId,
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: deps.refreshTtlSeconds,
    };
  }

  function recordLogin(user: User, ip: string, details?: Record<string, unknown>) {
    return audit.record({
      action: 'auth.login',
      outcome: 'success',
      actorId: user.id,
      actorIp: ip,
      ...(details === undefined ? {} : { details }),
    });
  }

  const service: AuthService = {
    async verifyCredentials({ email, password, ip }) {
      const at = now();
      // An IP is shared by everyone behind one NAT, so it gets more slack than an account.
      const ipPolicy = { ...deps.throttle, freeFailures: deps.throttle.freeFailures * 4 };
      const limits = [
        { key: `account:${email}`, policy: deps.throttle },
        { key: `ip:${ip}`, policy: ipPolicy },
      ];
      for (const { key } of limits) {
        const until = await deps.lockouts.lockedUntil(key, at);
        if (until !== undefined) {
          await audit.record({
            action: 'auth.login',
            outcome: 'denied',
            actorIp: ip,
            details: { email, reason: 'locked', key: key.split(':')[0] },
          });
          throw tooManyAttempts(until, at);
        }
      }
      const credentials = await findCredentialsByEmail(sql.db, email);
      const valid =
        credentials === undefined
          ? await passwords.verify(await dummyHash, password).then(() => false)
          : await passwords.verify(credentials.passwordHash, password);
      if (!valid || credentials === undefined) {
        let lockedAt: Date | undefined;
        for (const { key, policy } of limits) {
          lockedAt = (await deps.lockouts.recordFailure(key, at, policy)) ?? lockedAt;
        }
        await audit.record({
          action: 'auth.login',
          outcome: 'failure',
          actorIp: ip,
          details: { email },
        });
        if (lockedAt !== undefined) {
          await audit.record({
            action: 'auth.lockout',
            outcome: 'denied',
            actorIp: ip,
            details: { email, until: lockedAt.toISOString() },
          });
        }
        throw authError('AUTH_INVALID_CREDENTIALS');
      }
      await deps.lockouts.clear(limits[0]!.key);
      // Parameters changed since this hash was made: upgrade it while we have the password.
      if (passwords.needsRehash(credentials.passwordHash)) {
        await updatePasswordHash(sql.db, credentials.user.id, await passwords.hash(password));
      }
      return service.admit(credentials.user, { ip, method: 'password' });
    },

    async admit(user, { ip, method, provider, multiFactor = false }) {
      if (!multiFactor && (await deps.mfa.isRequired(user.id))) {
        const challenge = await deps.mfa.challenge(user.id);
        await audit.record({
          action: 'auth.mfa_challenge',
          outcome: 'success',
          actorId: user.id,
          actorIp: ip,
          details: { method },
        });
        throw authError('AUTH_MFA_REQUIRED', {
          detail:
            'send a code from the authenticator app, a recovery code or a passkey assertion with mfaToken',
          extensions: { mfaToken: challenge.mfaToken, mfaExpiresIn: challenge.expiresIn },
        });
      }
      const details = provider === undefined ? { method } : { method, provider };
      await recordLogin(user, ip, method === 'password' ? undefined : details);
      return user;
    },

    async completeMfa({ mfaToken, factor, ip }) {
      const userId = await deps.mfa.complete(mfaToken, factor, ip);
      const user = await findUserById(sql.db, userId);
      // Deleted between the two steps.
      if (user === undefined) throw authError('AUTH_MFA_CHALLENGE_INVALID');
      await recordLogin(user, ip);
      return user;
    },

    issueTokens: (user) => startSession(user),

    async login(input) {
      return startSession(await service.verifyCredentials(input));
    },

    async refresh({ refreshToken, ip }) {
      const at = now();
      // Decide inside the transaction, act (throw) outside it: a reuse must
      // commit the family's revocation before the error goes out.
      const outcome = await sql.withTransaction(async (trx) => {
        const stored = await findRefreshTokenForUpdate(trx, hashRefreshToken(refreshToken));
        if (stored === undefined || stored.revokedAt !== null || stored.expiresAt <= at) {
          return { kind: 'invalid' as const };
        }
        if (stored.usedAt !== null) {
          await revokeFamily(trx, stored.familyId, at);
          return { kind: 'reused' as const, stored };
        }
        const user = await findUserById(trx, stored.userId);
        if (user === undefined) return { kind: 'invalid' as const };
        await markRefreshTokenUsed(trx, stored.id, at);
        const next = `rt_${randomBytes(32).toString('base64url')}`;
        await insertRefreshToken(trx, {
          familyId: stored.familyId,
          userId: user.id,
          tokenHash: hashRefreshToken(next),
          createdAt: at,
          expiresAt: new Date(at.getTime() + deps.refreshTtlSeconds * 1000),
        });
        return { kind: 'rotated' as const, user, familyId: stored.familyId, next };
      });
      switch (outcome.kind) {
        case 'invalid':
          throw authError('AUTH_REFRESH_INVALID');
        case 'reused':
          await audit.record({
            action: 'auth.refresh_reuse',
            outcome: 'denied',
            actorId: outcome.stored.userId,
            actorIp: ip,
            details: { family: outcome.stored.familyId },
          });
          throw authError('AUTH_REFRESH_REUSED', {
            detail: 'this refresh token was already used; the session has been revoked',
          });
        case 'rotated':
          return tokenPair(outcome.user, outcome.familyId, outcome.next);
      }
    },

    async logout({ sessionId, userId, ip }) {
      await revokeFamily(sql.db, sessionId, now());
      await audit.record({
        action: 'auth.logout',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
      });
    },
  };
  return service;
}
