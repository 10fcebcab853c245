// Sign-in through OpenID Connect providers, HTTP-free.
//
// start: a fresh `state`, `nonce` and PKCE verifier per attempt, kept
// server-side (the verifier sealed), `state` also handed to the browser in a
// cookie by the route. complete: the callback's `state` must equal the
// cookie's and name a live, unused attempt for this provider (used up at
// once, so a replayed callback fails); then the code exchange and the
// id_token checks (client.ts). The account:
//  - a known (provider, subject) signs in to its account;
//  - a subject whose address the provider VERIFIED and an account already
//    has is never linked silently: the answer is AUTH_OIDC_LINK_REQUIRED with
//    a single-use link token that the account's owner, signed in the usual
//    way, confirms (confirmLink). Otherwise anyone able to register that
//    address at some provider could take the account over;
//  - an unverified address is refused: it could be anyone's;
//  - otherwise a new account, with no usable password.
// Then the same step as after a password (a second factor when the account
// has one), and the audit trail either way.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AuditSink } from '../../../ports/audit.ts';
import type { SqlDatabase } from '../../../ports/sql.ts';
import type { SecretBox } from '../../../platform/secret-box.ts';
import { findCredentialsByEmail, findUserById, insertUser } from '../../users/repo.ts';
import type { User } from '../../users/schemas.ts';
import type { AuthService } from '../service.ts';
import type { AuthDatabase } from '../tables.ts';
import { OidcRefusal, type OidcClient, type ProviderIdentity } from './client.ts';
import { oidcError } from './errors.ts';
import {
  insertIdentity,
  insertLoginAttempt,
  insertPendingLink,
  listIdentities,
  markEmailVerified,
  takeLoginAttempt,
  takePendingLink,
  useIdentity,
  type LinkedIdentity,
} from './repo.ts';

export type ResponseKind = 'session' | 'tokens';

export interface OidcServiceDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly clients: ReadonlyMap<string, OidcClient>;
  readonly box: SecretBox;
  readonly audit: AuditSink;
  readonly auth: Pick<AuthService, 'admit'>;
  readonly attemptTtlSeconds?: number;
  readonly linkTtlSeconds?: number;
  readonly now?: () => Date;
}

export interface OidcService {
  providers(): string[];
  start(provider: string, kind: ResponseKind): Promise<{ location: string; state: string }>;
  complete(input: {
    provider: string;
    query: string;
    cookieState: string | undefined;
    ip: string;
  }): Promise<{ user: User; kind: ResponseKind }>;
  confirmLink(userId: string, linkToken: string, ip: string): Promise<LinkedIdentity[]>;
  identities(userId: string): Promise<LinkedIdentity[]>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Stored where no password can ever match it: argon2 rejects it as a hash. */
const NO_PASSWORD = '!no-password';

export function createOidcService(deps: OidcServiceDeps): OidcService {
  const { sql, box, audit } = deps;
  const now = deps.now ?? (() => new Date());
  const attemptTtl = deps.attemptTtlSeconds ?? 600;
  const linkTtl = deps.linkTtlSeconds ?? 900;

  function clientFor(provider: string): OidcClient {
    const client = deps.clients.get(provider);
    if (client === undefined) throw oidcError('AUTH_OIDC_PROVIDER_UNKNOWN');
    return client;
  }

  const failed = (provider: string, ip: string, reason: string) =>
    audit.record({
      action: 'auth.oidc',
      outcome: 'failure',
      actorIp: ip,
      details: { provider, reason },
    });

  async function accountFor(provider: string, identity: ProviderIdentity, ip: string) {
    const at = now();
    const linked = await useIdentity(sql.db, provider, identity.subject, at);
    if (linked !== undefined) {
      const user = await findUserById(sql.db, linked);
      if (user !== undefined) return user;
    }
    const email = identity.email?.trim().toLowerCase();
    if (email === undefined || email === '') throw oidcError('AUTH_OIDC_EMAIL_MISSING');
    const existing = await findCredentialsByEmail(sql.db, email);
    if (existing !== undefined) {
      if (!identity.emailVerified) {
        await failed(provider, ip, 'email_unverified_conflict');
        throw oidcError('AUTH_OIDC_EMAIL_CONFLICT', {
          detail: 'sign in to that account and link the provider from there',
        });
      }
      const linkToken = `oln_${randomBytes(32).toString('base64url')}`;
      await insertPendingLink(sql.db, {
        tokenHash: sha256(linkToken),
        userId: existing.user.id,
        provider,
        subject: identity.subject,
        email,
        createdAt: at,
        expiresAt: new Date(at.getTime() + linkTtl * 1000),
      });
      await audit.record({
        action: 'auth.oidc_link_requested',
        outcome: 'success',
        actorId: existing.user.id,
        actorIp: ip,
        details: { provider },
      });
      throw oidcError('AUTH_OIDC_LINK_REQUIRED', {
        detail: 'sign in to the existing account and confirm the link with linkToken',
        extensions: { linkToken, linkExpiresIn: linkTtl },
      });
    }
    if (!identity.emailVerified) {
      await failed(provider, ip, 'email_unverified');
      throw oidcError('AUTH_OIDC_EMAIL_UNVERIFIED');
    }
    const user = await sql.withTransaction(async (trx) => {
      const created = await insertUser(trx, {
        email,
        passwordHash: NO_PASSWORD,
        displayName: (identity.name ?? '').slice(0, 100),
      });
      await markEmailVerified(trx, created.id, at);
      await insertIdentity(trx, {
        userId: created.id,
        provider,
        subject: identity.subject,
        email,
        at,
      });
      return created;
    });
    await audit.record({
      action: 'auth.oidc_account_created',
      outcome: 'success',
      actorId: user.id,
      actorIp: ip,
      details: { provider },
    });
    return (await findUserById(sql.db, user.id)) ?? user;
  }

  return {
    providers: () => [...deps.clients.keys()],

    async start(provider, kind) {
      const client = clientFor(provider);
      const at = now();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const stateHash = sha256(state);
      // Built first: an unreachable provider leaves no row behind.
      const url = await client.authorizationUrl({ state, nonce, codeVerifier });
      await insertLoginAttempt(sql.db, {
        stateHash,
        provider,
        nonce,
        codeVerifierCiphertext: box.seal(codeVerifier, `oidc:${stateHash}`),
        responseKind: kind,
        createdAt: at,
        expiresAt: new Date(at.getTime() + attemptTtl * 1000),
      });
      return { location: url.href, state };
    },

    async complete({ provider, query, cookieState, ip }) {
      const client = clientFor(provider);
      const state = new URLSearchParams(query).get('state');
      if (state === null || cookieState === undefined || !sameText(state, cookieState)) {
        await failed(provider, ip, state === null ? 'state_missing' : 'state_mismatch');
        throw oidcError('AUTH_OIDC_STATE_INVALID');
      }
      const stateHash = sha256(state);
      const attempt = await takeLoginAttempt(sql.db, stateHash, provider, now());
      if (attempt === undefined) {
        await failed(provider, ip, 'state_unknown_or_used');
        throw oidcError('AUTH_OIDC_STATE_INVALID');
      }
      const codeVerifier = box.open(attempt.codeVerifierCiphertext, `oidc:${stateHash}`);
      let identity: ProviderIdentity;
      try {
        identity = await client.exchange(query, { state, nonce: attempt.nonce, codeVerifier });
      } catch (error) {
        if (!(error instanceof OidcRefusal)) throw error;
        await failed(provider, ip, error.reason);
        throw oidcError(error.denied ? 'AUTH_OIDC_DENIED' : 'AUTH_OIDC_REJECTED');
      }
      const user = await accountFor(provider, identity, ip);
      await deps.auth.admit(user, { ip, method: 'oidc', provider });
      return { user, kind: attempt.responseKind };
    },

    async confirmLink(userId, linkToken, ip) {
      const at = now();
      const outcome = await sql.withTransaction(async (trx) => {
        const link = await takePendingLink(trx, sha256(linkToken), userId, at);
        if (link === undefined) return 'invalid' as const;
        const inserted = await insertIdentity(trx, { userId, ...link, at });
        return inserted ? { provider: link.provider } : ('taken' as const);
      });
      if (outcome === 'invalid') throw oidcError('AUTH_OIDC_LINK_INVALID');
      if (outcome === 'taken') throw oidcError('AUTH_OIDC_IDENTITY_TAKEN');
      await audit.record({
        action: 'auth.oidc_link',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
        details: { provider: outcome.provider },
      });
      return listIdentities(sql.db, userId);
    },

    identities: (userId) => listIdentities(sql.db, userId),
  };
}
