// The TOTP second factor as use cases: enrol (secret + otpauth:// URI),
// confirm with a first code (which yields the recovery codes, shown once),
// disable, and the login's second step. The second step is a challenge: the
// password step hands out a short-lived single-use token, and the code must
// arrive with it within a few attempts. Failed codes also count against a
// per-user throttle, so fresh challenges do not buy fresh guesses.

import { createHash, randomBytes } from 'node:crypto';
import type { AuthDatabase } from '../tables.ts';
import type { SecretBox } from '../../../platform/secret-box.ts';
import type { SqlDatabase } from '../../../ports/sql.ts';
import { authError } from '../errors.ts';
import type { AuditSink } from '../../../ports/audit.ts';
import { assertNotLocked, type ThrottlePolicy, type ThrottleStore } from '../throttle.ts';
import { generateRecoveryCodes, hashRecoveryCode, matchRecoveryCode } from './recovery-codes.ts';
import {
  confirmEnrolment,
  deleteEnrolment,
  findEnrolmentForUpdate,
  insertChallenge,
  isEnrolled,
  markChallengeUsed,
  markRecoveryCodeUsed,
  recordUsedStep,
  replaceRecoveryCodes,
  takeChallengeAttempt,
  unusedRecoveryCodes,
  upsertPendingEnrolment,
} from './repo.ts';
import { generateTotpSecret, totpUri, verifyTotp } from './totp.ts';
import type { PasskeyAssertion, PasskeyService } from '../passkeys/service.ts';

/** One of the ways to pass the second step. */
export interface SecondFactor {
  readonly code?: string | undefined;
  readonly recoveryCode?: string | undefined;
  /** Only at sign-in: a passkey assertion for a ceremony started with the mfaToken. */
  readonly passkey?: PasskeyAssertion | undefined;
}

export interface MfaServiceDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly box: SecretBox;
  readonly audit: AuditSink;
  readonly throttle: ThrottlePolicy;
  readonly lockouts: ThrottleStore;
  /** Shown in the authenticator app above the account name. */
  readonly issuer: string;
  readonly challengeTtlSeconds?: number;
  readonly maxChallengeAttempts?: number;
  /** Passkeys count as a second factor too, when given. */
  readonly passkeys?: Pick<PasskeyService, 'passkeyCount' | 'verifySecondFactor'>;
  readonly now?: () => Date;
}

/** The second factors a user has: what the second step of a sign-in accepts. */
export interface SecondFactors {
  /** A confirmed authenticator app. */
  readonly totp: boolean;
  /** Passkeys not revoked. */
  readonly passkeys: number;
}

export interface MfaStatus {
  /** Any second factor: a password sign-in then asks for a second step. */
  readonly enabled: boolean;
  readonly factors: SecondFactors;
  /** Recovery codes come with the authenticator app; 0 without it. */
  readonly recoveryCodesRemaining: number;
}

export interface MfaService {
  status(userId: string): Promise<MfaStatus>;
  enrol(user: { id: string; email: string }): Promise<{ secret: string; otpauthUri: string }>;
  confirm(userId: string, code: string, ip: string): Promise<{ recoveryCodes: string[] }>;
  disable(userId: string, factor: SecondFactor, ip: string): Promise<void>;
  isRequired(userId: string): Promise<boolean>;
  challenge(userId: string): Promise<{ mfaToken: string; expiresIn: number }>;
  /** The user the challenge was for, once the factor checks out; throws otherwise. */
  complete(mfaToken: string, factor: SecondFactor, ip: string): Promise<string>;
}

type Verdict = 'ok' | 'invalid' | 'replayed';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const secretContext = (userId: string) => `totp:${userId}`;

export function createMfaService(deps: MfaServiceDeps): MfaService {
  const { sql, box, audit } = deps;
  const now = deps.now ?? (() => new Date());
  const challengeTtl = deps.challengeTtlSeconds ?? 300;
  const maxAttempts = deps.maxChallengeAttempts ?? 5;

  /** Checks a factor inside a transaction that holds the enrolment row lock. */
  async function verify(
    trx: SqlDatabase<AuthDatabase>['db'],
    userId: string,
    factor: SecondFactor,
    at: Date,
    options: { pending?: boolean; mfaToken?: string } = {},
  ): Promise<{ verdict: Verdict; step?: number }> {
    if (factor.passkey !== undefined) {
      const { passkeys } = deps;
      if (passkeys === undefined || options.mfaToken === undefined) return { verdict: 'invalid' };
      const ok = await passkeys.verifySecondFactor(trx, {
        userId,
        mfaToken: options.mfaToken,
        assertion: factor.passkey,
      });
      return { verdict: ok ? 'ok' : 'invalid' };
    }
    const enrolment = await findEnrolmentForUpdate(trx, userId);
    if (enrolment === undefined || enrolment.confirmed === (options.pending ?? false)) {
      return { verdict: 'invalid' };
    }
    if (factor.code !== undefined) {
      const secret = box.open(enrolment.secretCiphertext, secretContext(userId));
      const result = verifyTotp({
        secret,
        code: factor.code,
        now: at,
        lastUsedStep: enrolment.lastUsedStep,
      });
      if (!result.ok) return { verdict: result.reason };
      if (!options.pending) await recordUsedStep(trx, userId, result.step);
      return { verdict: 'ok', step: result.step };
    }
    if (factor.recoveryCode !== undefined && !options.pending) {
      const codes = await unusedRecoveryCodes(trx, userId);
      const index = matchRecoveryCode(
        factor.recoveryCode,
        codes.map((code) => code.hash),
      );
      if (index === -1) return { verdict: 'invalid' };
      await markRecoveryCodeUsed(trx, codes[index]!.id, at);
      return { verdict: 'ok' };
    }
    return { verdict: 'invalid' };
  }

  async function factorsOf(userId: string): Promise<SecondFactors> {
    const totp = await isEnrolled(sql.db, userId);
    const passkeys = (await deps.passkeys?.passkeyCount(userId)) ?? 0;
    return { totp, passkeys };
  }

  // One rule for both the status and the sign-in, so what the status says
  // is what the next password sign-in does.
  const anyFactor = (factors: SecondFactors) => factors.totp || factors.passkeys > 0;

  function mismatch(reason: string) {
    return authError('AUTH_MFA_CODE_MISMATCH', {
      detail: reason,
      errors: [{ field: 'code', in: 'body', code: 'mismatch', message: reason }],
    });
  }

  return {
    async status(userId) {
      const factors = await factorsOf(userId);
      const remaining = factors.totp ? (await unusedRecoveryCodes(sql.db, userId)).length : 0;
      return { enabled: anyFactor(factors), factors, recoveryCodesRemaining: remaining };
    },

    async enrol(user) {
      const secret = generateTotpSecret();
      const started = await upsertPendingEnrolment(
        sql.db,
        user.id,
        box.seal(secret, secretContext(user.id)),
        now(),
      );
      if (!started) throw authError('AUTH_MFA_ALREADY_ENABLED');
      return { secret, otpauthUri: totpUri({ secret, account: user.email, issuer: deps.issuer }) };
    },

    async confirm(userId, code, ip) {
      const at = now();
      const recoveryCodes = generateRecoveryCodes();
      const confirmed = await sql.withTransaction(async (trx) => {
        const { verdict, step } = await verify(trx, userId, { code }, at, { pending: true });
        if (verdict !== 'ok') return false;
        await confirmEnrolment(trx, userId, step!, at);
        await replaceRecoveryCodes(trx, userId, recoveryCodes.map(hashRecoveryCode));
        return true;
      });
      if (!confirmed) {
        // No pending enrolment, or a wrong code: either way nothing changed.
        if (await isEnrolled(sql.db, userId)) throw authError('AUTH_MFA_ALREADY_ENABLED');
        throw mismatch('the code does not match the pending enrolment');
      }
      await audit.record({
        action: 'mfa.enabled',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
      });
      return { recoveryCodes };
    },

    async disable(userId, factor, ip) {
      if (!(await isEnrolled(sql.db, userId))) throw authError('AUTH_MFA_NOT_ENABLED');
      const verdict = await sql.withTransaction(async (trx) => {
        const result = await verify(trx, userId, factor, now());
        if (result.verdict === 'ok') await deleteEnrolment(trx, userId);
        return result.verdict;
      });
      if (verdict !== 'ok') {
        await audit.record({
          action: 'mfa.disabled',
          outcome: 'failure',
          actorId: userId,
          actorIp: ip,
          details: { reason: verdict },
        });
        throw mismatch('a current code or an unused recovery code is required');
      }
      await audit.record({
        action: 'mfa.disabled',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
      });
    },

    async isRequired(userId) {
      return anyFactor(await factorsOf(userId));
    },

    async challenge(userId) {
      const at = now();
      const mfaToken = `mfa_${randomBytes(32).toString('base64url')}`;
      await insertChallenge(sql.db, {
        tokenHash: sha256(mfaToken),
        userId,
        createdAt: at,
        expiresAt: new Date(at.getTime() + challengeTtl * 1000),
      });
      return { mfaToken, expiresIn: challengeTtl };
    },

    async complete(mfaToken, factor, ip) {
      const at = now();
      const tokenHash = sha256(mfaToken);
      // Counted outside the transaction below so a failed guess still uses it up.
      const userId = await takeChallengeAttempt(sql.db, tokenHash, at, maxAttempts);
      if (userId === undefined) throw authError('AUTH_MFA_CHALLENGE_INVALID');
      const throttleKey = `mfa:${userId}`;
      await assertNotLocked(deps.lockouts, throttleKey, at);
      const verdict = await sql.withTransaction(async (trx) => {
        const result = await verify(trx, userId, factor, at, { mfaToken });
        if (result.verdict === 'ok') await markChallengeUsed(trx, tokenHash, at);
        return result.verdict;
      });
      if (verdict !== 'ok') {
        await deps.lockouts.recordFailure(throttleKey, at, deps.throttle);
        await audit.record({
          action: 'auth.mfa',
          outcome: 'failure',
          actorId: userId,
          actorIp: ip,
          details: { reason: verdict, method: methodOf(factor) },
        });
        throw authError('AUTH_MFA_INVALID_CODE');
      }
      await deps.lockouts.clear(throttleKey);
      if (factor.recoveryCode !== undefined) {
        await audit.record({
          action: 'mfa.recovery_code_used',
          outcome: 'success',
          actorId: userId,
          actorIp: ip,
        });
      }
      return userId;
    },
  };
}

function methodOf(factor: SecondFactor): 'totp' | 'recovery' | 'passkey' {
  if (factor.passkey !== undefined) return 'passkey';
  return factor.code === undefined ? 'recovery' : 'totp';
}
