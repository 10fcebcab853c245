// Passkeys (WebAuthn) as use cases: registration for a signed-in user,
// password-less sign-in, and the second step of a password sign-in.
// @simplewebauthn/server checks each response: the challenge we issued,
// the origin and RP ID, the type, user presence (and verification where
// asked), the signature with the registered public key, and the signature
// counter, which must grow whenever the authenticator keeps one: a cloned
// credential replaying an old counter is refused (WebAuthn §6.1.1).
//
// Attestation: 'none'. We accept any authenticator and make no decision on
// its make or model, so attestation would tell us nothing we act on; asking
// for it makes browsers show an extra privacy prompt, synced passkeys
// answer 'none' anyway, and checking it well means trusting and refreshing
// the FIDO metadata roots. What a registration proves is that whoever holds
// this account's session also holds this key: the ceremony runs only for a
// signed-in user with `credentials:manage`.

import { createHash, randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuditSink } from '../../../ports/audit.ts';
import type { SqlDatabase } from '../../../ports/sql.ts';
import type { AuthDatabase } from '../tables.ts';
import { passkeyError } from './errors.ts';
import {
  countPasskeys,
  findActivePasskeyForUpdate,
  insertCeremony,
  insertPasskey,
  listPasskeys,
  liveMfaChallengeUser,
  recordPasskeyUse,
  revokePasskey,
  takeCeremony,
  type CeremonyPurpose,
  type StoredPasskey,
} from './repo.ts';

export interface RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: readonly string[];
}

export interface PasskeyAssertion {
  readonly ceremonyId: string;
  readonly credential: AuthenticationResponseJSON;
}

export interface PasskeyServiceDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly audit: AuditSink;
  readonly rp: RelyingParty;
  readonly ceremonyTtlSeconds?: number;
  readonly now?: () => Date;
}

type Db = SqlDatabase<AuthDatabase>['db'];

export interface PasskeyService {
  registrationOptions(user: {
    id: string;
    email: string;
    displayName: string;
  }): Promise<{ ceremonyId: string; publicKey: PublicKeyCredentialCreationOptionsJSON }>;
  register(input: {
    userId: string;
    ceremonyId: string;
    credential: RegistrationResponseJSON;
    name: string;
    ip: string;
  }): Promise<StoredPasskey>;
  list(userId: string): Promise<StoredPasskey[]>;
  revoke(userId: string, id: string, ip: string): Promise<void>;
  signInOptions(): Promise<{
    ceremonyId: string;
    publicKey: PublicKeyCredentialRequestOptionsJSON;
  }>;
  /** The user behind a password-less assertion (user verification required). */
  signIn(assertion: PasskeyAssertion, ip: string): Promise<string>;
  secondFactorOptions(
    mfaToken: string,
  ): Promise<{ ceremonyId: string; publicKey: PublicKeyCredentialRequestOptionsJSON }>;
  /** The user's passkeys that are not revoked, for the second-factor status. */
  passkeyCount(userId: string): Promise<number>;
  /** Inside the second step's transaction: whether the assertion is this user's, for this challenge. */
  verifySecondFactor(
    trx: Db,
    input: { userId: string; mfaToken: string; assertion: PasskeyAssertion },
  ): Promise<boolean>;
}

type Checked = { passkey: StoredPasskey } | { reason: string; userId?: string };

/** The opaque user id stored on authenticators: never the e-mail, stable per account. */
const userHandleOf = (userId: string) =>
  createHash('sha256').update(`user:${userId}`).digest().subarray(0, 16);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createPasskeyService(deps: PasskeyServiceDeps): PasskeyService {
  const { sql, audit, rp } = deps;
  const now = deps.now ?? (() => new Date());
  const ttl = deps.ceremonyTtlSeconds ?? 300;

  async function ceremony(
    purpose: CeremonyPurpose,
    challenge: string,
    owner: { userId?: string; mfaTokenHash?: string } = {},
  ): Promise<string> {
    const at = now();
    const id = `wac_${randomBytes(24).toString('base64url')}`;
    await insertCeremony(sql.db, {
      id,
      purpose,
      challenge,
      userId: owner.userId ?? null,
      mfaTokenHash: owner.mfaTokenHash ?? null,
      createdAt: at,
      expiresAt: new Date(at.getTime() + ttl * 1000),
    });
    return id;
  }

  const refused = (ip: string, reason: string, actorId?: string) =>
    audit.record({
      action: 'auth.passkey',
      outcome: 'failure',
      actorIp: ip,
      ...(actorId === undefined ? {} : { actorId }),
      details: { reason },
    });

  /**
   * Checks an assertion against the stored credential it names and records
   * the new counter; the row stays locked until the caller's transaction
   * ends. A refusal comes back with its reason, for the caller to audit
   * once the transaction is over (the audit trail has its own).
   */
  async function assert(
    trx: Db,
    challenge: string,
    credential: AuthenticationResponseJSON,
    requireUserVerification: boolean,
  ): Promise<Checked> {
    const stored = await findActivePasskeyForUpdate(trx, credential.id);
    if (stored === undefined) return { reason: 'unknown_or_revoked' };
    // WebAuthn §7.2 step 6: a user handle, when sent, must name the credential's owner.
    const handle = credential.response.userHandle;
    if (handle !== undefined && handle !== userHandleOf(stored.userId).toString('base64url')) {
      return { reason: 'user_handle_mismatch', userId: stored.userId };
    }
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response: credential,
        expectedChallenge: challenge,
        expectedOrigin: [...rp.origins],
        expectedRPID: rp.id,
        requireUserVerification,
        credential: {
          id: stored.credentialId,
          publicKey: Buffer.from(stored.publicKey, 'base64url'),
          counter: stored.signCount,
        },
      });
    } catch (error) {
      // The library says why only in its message; the counter check is the one we single out.
      const message = (error as Error).message;
      const reason = /counter/i.test(message) ? 'counter_not_increased' : 'invalid';
      return { reason, userId: stored.userId };
    }
    if (!result.verified) return { reason: 'signature', userId: stored.userId };
    const info = result.authenticationInfo;
    await recordPasskeyUse(trx, stored.id, info.newCounter, info.credentialBackedUp, now());
    return { passkey: stored };
  }

  return {
    async registrationOptions(user) {
      const existing = await listPasskeys(sql.db, user.id);
      const publicKey = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userDisplayName: user.displayName,
        // A stable opaque handle, not the e-mail: it is stored on the authenticator.
        userID: userHandleOf(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      return {
        ceremonyId: await ceremony('register', publicKey.challenge, { userId: user.id }),
        publicKey,
      };
    },

    async register({ userId, ceremonyId, credential, name, ip }) {
      const at = now();
      const pending = await takeCeremony(sql.db, ceremonyId, 'register', at);
      if (pending === undefined || pending.userId !== userId) {
        throw passkeyError('AUTH_PASSKEY_CEREMONY_INVALID');
      }
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response: credential,
          expectedChallenge: pending.challenge,
          expectedOrigin: [...rp.origins],
          expectedRPID: rp.id,
          requireUserVerification: true,
        });
      } catch (error) {
        throw passkeyError('AUTH_PASSKEY_REGISTRATION_FAILED', {
          detail: (error as Error).message,
        });
      }
      if (!verified.verified) throw passkeyError('AUTH_PASSKEY_REGISTRATION_FAILED');
      const info = verified.registrationInfo;
      const stored = await insertPasskey(sql.db, {
        userId,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        signCount: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
        createdAt: at,
      });
      if (stored === undefined) {
        throw passkeyError('AUTH_PASSKEY_REGISTRATION_FAILED', {
          detail: 'this credential is already registered',
        });
      }
      await audit.record({
        action: 'passkey.registered',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
        details: { passkey: stored.id, fmt: info.fmt },
      });
      return stored;
    },

    list: (userId) => listPasskeys(sql.db, userId),

    async revoke(userId, id, ip) {
      if (!(await revokePasskey(sql.db, userId, id, now()))) {
        throw passkeyError('AUTH_PASSKEY_NOT_FOUND');
      }
      await audit.record({
        action: 'passkey.revoked',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
        details: { passkey: id },
      });
    },

    async signInOptions() {
      // No allowCredentials: the authenticator offers its discoverable passkeys.
      const publicKey = await generateAuthenticationOptions({
        rpID: rp.id,
        userVerification: 'required',
      });
      return { ceremonyId: await ceremony('sign_in', publicKey.challenge), publicKey };
    },

    async signIn({ ceremonyId, credential }, ip) {
      const pending = await takeCeremony(sql.db, ceremonyId, 'sign_in', now());
      if (pending === undefined) throw passkeyError('AUTH_PASSKEY_CEREMONY_INVALID');
      const checked = await sql.withTransaction((trx) =>
        assert(trx, pending.challenge, credential, true),
      );
      if ('reason' in checked) {
        await refused(ip, checked.reason, checked.userId);
        throw passkeyError('AUTH_PASSKEY_INVALID');
      }
      return checked.passkey.userId;
    },

    async secondFactorOptions(mfaToken) {
      const tokenHash = sha256(mfaToken);
      const userId = await liveMfaChallengeUser(sql.db, tokenHash, now());
      if (userId === undefined) throw passkeyError('AUTH_PASSKEY_CEREMONY_INVALID');
      const passkeys = await listPasskeys(sql.db, userId);
      const publicKey = await generateAuthenticationOptions({
        rpID: rp.id,
        userVerification: 'preferred',
        allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
      });
      return {
        ceremonyId: await ceremony('second_factor', publicKey.challenge, {
          userId,
          mfaTokenHash: tokenHash,
        }),
        publicKey,
      };
    },

    passkeyCount: (userId) => countPasskeys(sql.db, userId),

    async verifySecondFactor(trx, { userId, mfaToken, assertion }) {
      const pending = await takeCeremony(trx, assertion.ceremonyId, 'second_factor', now());
      if (
        pending === undefined ||
        pending.userId !== userId ||
        pending.mfaTokenHash !== sha256(mfaToken)
      ) {
        return false;
      }
      // Possession is the second factor; the password was the first. A
      // refusal is audited by the second step itself (auth.mfa, method passkey).
      const checked = await assert(trx, pending.challenge, assertion.credential, false);
      return 'passkey' in checked && checked.passkey.userId === userId;
    },
  };
}
