// Account recovery and upkeep: email verification, forgotten passwords and
// password changes. HTTP-free, like the auth service.
//
// - Mail goes out off the response path — the welcome mail with the first
//   verification link from the `user.registered` event's job (welcome-mail.ts),
//   the others from background work (platform/background.ts): a slow mail
//   server does not slow a request, and a reset request for an unknown
//   address costs the caller exactly what one for a real account does — the
//   lookup itself happens after the answer.
// - Links are single-use tokens (account-tokens.ts). An unusable token is one
//   answer, AUTH_ACCOUNT_TOKEN_INVALID, whatever the reason.
// - A reset or a change replaces the password in one transaction with
//   everything that must change with it: the token used up, the other reset
//   links revoked, refresh tokens ended; browser sessions end right after it
//   commits (sign-out-everywhere.ts) — all of them after a reset, all but the
//   caller's after a change — and the login lock is lifted.
// - A user cannot be mail-bombed through these endpoints: at most
//   MAX_MAILS_PER_WINDOW links of one kind per address per window; further
//   requests are answered the same and send nothing (the count and the
//   insert run under a lock on the user's row, so parallel requests cannot
//   both pass it).

import type { AuthDatabase } from './tables.ts';
import type { BackgroundTasks } from '../../platform/background.ts';
import type { Mailer, MailMessage } from '../../ports/mailer.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { usersError } from '../users/errors.ts';
import type { PasswordHasher } from '../users/passwords.ts';
import { checkPasswordPolicy } from '../users/password-policy.ts';
import { updatePasswordHash } from '../users/repo.ts';
import type { User } from '../users/schemas.ts';
import { accountError } from './account-errors.ts';
import { passwordResetMail, verificationMail, type AccountLinks } from './account-mail.ts';
import {
  findAccount,
  findAccountByEmail,
  lockAccount,
  markEmailVerified,
  revokeOtherRefreshFamilies,
} from './account-repo.ts';
import {
  consumeAccountToken,
  countTokensIssuedSince,
  findUsableToken,
  issueAccountToken,
  revokeAccountTokens,
  type AccountTokenPurpose,
} from './account-tokens.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { endRefreshTokens } from './sign-out-everywhere.ts';
import type { SignOutEverywhere } from '../users/ports.ts';
import { assertNotLocked, type ThrottlePolicy, type ThrottleStore } from './throttle.ts';

export const MAX_MAILS_PER_WINDOW = 3;
export const MAIL_WINDOW_MS = 15 * 60_000;

export interface AccountServiceDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly mailer: Mailer;
  readonly background: BackgroundTasks;
  readonly audit: AuditSink;
  readonly links: AccountLinks;
  /** Ends browser sessions with a reset or change (sign-out-everywhere.ts). */
  readonly signOut: SignOutEverywhere;
  /** The login throttle: wrong current passwords count against the account like failed logins. */
  readonly throttle: ThrottlePolicy;
  readonly lockouts: ThrottleStore;
  readonly passwords: PasswordHasher;
  readonly now?: () => Date;
}

/** The caller of an authenticated operation. */
export interface AccountActor {
  readonly id: string;
  readonly ip: string;
  /** The caller's own session (refresh-token family or cookie session): kept on a password change. */
  readonly sessionId?: string | undefined;
}

export interface AccountService {
  /** Mails a new verification link (in the background). */
  sendVerification(user: Pick<User, 'id' | 'email'>): void;
  verifyEmail(input: { token: string; ip: string }): Promise<void>;
  /** A new verification link for the caller; nothing when the address is already verified. */
  resendVerification(actor: AccountActor): Promise<void>;
  /** Returns at once; the lookup and the mail happen in the background. */
  requestPasswordReset(input: { email: string; ip: string }): void;
  resetPassword(input: { token: string; password: string; ip: string }): Promise<void>;
  changePassword(
    actor: AccountActor,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAccountService(deps: AccountServiceDeps): AccountService {
  const { sql, audit, background } = deps;
  const now = deps.now ?? (() => new Date());
  const invalidToken = () => accountError('AUTH_ACCOUNT_TOKEN_INVALID');

  function weakPassword(password: string, email: string, field: string) {
    const problems = checkPasswordPolicy(password, email).map((problem) => ({
      ...problem,
      field,
    }));
    return problems.length === 0
      ? undefined
      : usersError('USERS_WEAK_PASSWORD', { errors: problems, detail: problems[0]!.message });
  }

  const issueLimited = (userId: string, purpose: AccountTokenPurpose, supersede: boolean) =>
    issueLimitedToken(sql, { userId, purpose, supersede, at: now() });

  function sendVerification(user: Pick<User, 'id' | 'email'>): void {
    background.run('verification mail', () => mailVerification(deps, user));
  }

  return {
    sendVerification,

    async verifyEmail({ token, ip }) {
      const at = now();
      const userId = await sql.withTransaction(async (trx) => {
        const owner = await consumeAccountToken(trx, token, 'verify_email', at);
        if (owner !== undefined) {
          await markEmailVerified(trx, owner, at);
          await revokeAccountTokens(trx, owner, 'verify_email', at);
        }
        return owner;
      });
      if (userId === undefined) throw invalidToken();
      await audit.record({
        action: 'auth.email_verified',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
        targetType: 'user',
        targetId: userId,
      });
    },

    async resendVerification(actor) {
      const account = await findAccount(sql.db, actor.id);
      if (account === undefined) {
        throw usersError('USERS_NOT_FOUND', { detail: `no user with id ${actor.id}` });
      }
      if (account.emailVerified) return;
      sendVerification(account);
    },

    requestPasswordReset({ email, ip }) {
      background.run('password reset mail', async () => {
        const account = await findAccountByEmail(sql.db, email);
        if (account === undefined) {
          await audit.record({
            action: 'auth.password_reset_requested',
            outcome: 'failure',
            actorIp: ip,
            details: { email, reason: 'unknown_account' },
          });
          return;
        }
        // Earlier links stay valid until used or expired: mail can arrive out of order.
        const token = await issueLimited(account.id, 'reset_password', false);
        await audit.record({
          action: 'auth.password_reset_requested',
          outcome: token === undefined ? 'denied' : 'success',
          actorIp: ip,
          targetType: 'user',
          targetId: account.id,
          ...(token === undefined ? { details: { reason: 'too_many_requests' } } : {}),
        });
        // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
        if (token === undefined) return;
        await deps.mailer.send(passwordResetMail(deps.links, account.email, token));
      });
    },

    async resetPassword({ token, password, ip }) {
      // Look first, use up last: a password the policy refuses leaves the link
      // usable for a second try.
      const found = await findUsableToken(sql.db, token, 'reset_password', now());
      if (found === undefined) {
        await audit.record({
          action: 'auth.password_reset',
          outcome: 'failure',
          actorIp: ip,
          details: { reason: 'invalid_token' },
        });
        throw invalidToken();
      }
      const weak = weakPassword(password, found.email, 'password');
      if (weak !== undefined) throw weak;
      const passwordHash = await deps.passwords.hash(password);
      const at = now();
      const reset = await sql.withTransaction(async (trx) => {
        const owner = await consumeAccountToken(trx, token, 'reset_password', at);
        if (owner === undefined) return undefined;
        await updatePasswordHash(trx, owner, passwordHash);
        await revokeAccountTokens(trx, owner, 'reset_password', at);
        // The link reached this mailbox: that proves the address as well as a verification link.
        await markEmailVerified(trx, owner, at);
        await endRefreshTokens(trx, owner, at);
        return { owner, revocation: await deps.signOut.request(trx, { userId: owner, at }) };
      });
      // Another request used the same link while this one was hashing.
      if (reset === undefined) throw invalidToken();
      const userId = reset.owner;
      await deps.signOut.finish(reset.revocation);
      await deps.lockouts.clear(`account:${found.email}`);
      await audit.record({
        action: 'auth.password_reset',
        outcome: 'success',
        actorId: userId,
        actorIp: ip,
        targetType: 'user',
        targetId: userId,
      });
    },

    async changePassword(actor, { currentPassword, newPassword }) {
      const at = now();
      const account = await findAccount(sql.db, actor.id);
      if (account === undefined) {
        throw usersError('USERS_NOT_FOUND', { detail: `no user with id ${actor.id}` });
      }
      // A stolen access token must not become an unlimited password oracle:
      // wrong current passwords count against the same lock as failed logins.
      const throttleKey = `account:${account.email}`;
      await assertNotLocked(deps.lockouts, throttleKey, at);
      if (!(await deps.passwords.verify(account.passwordHash, currentPassword))) {
        await deps.lockouts.recordFailure(throttleKey, at, deps.throttle);
        await audit.record({
          action: 'auth.password_changed',
          outcome: 'failure',
          actorId: account.id,
          actorIp: actor.ip,
          details: { reason: 'wrong_current_password' },
        });
        throw accountError('AUTH_CURRENT_PASSWORD_INVALID');
      }
      const weak = weakPassword(newPassword, account.email, 'newPassword');
      if (weak !== undefined) throw weak;
      const passwordHash = await deps.passwords.hash(newPassword);
      // Family ids and cookie-session ids are both random UUIDs, so one id
      // can be kept in both stores without knowing which kind it is.
      const keep =
        actor.sessionId !== undefined && UUID.test(actor.sessionId) ? actor.sessionId : undefined;
      const done = now();
      const revocation = await sql.withTransaction(async (trx) => {
        await updatePasswordHash(trx, account.id, passwordHash);
        await revokeOtherRefreshFamilies(trx, account.id, keep, done);
        // Reset links were issued for the old password's account state.
        await revokeAccountTokens(trx, account.id, 'reset_password', done);
        return deps.signOut.request(trx, {
          userId: account.id,
          at: done,
          exceptSessionId: keep,
        });
      });
      await deps.signOut.finish(revocation);
      await deps.lockouts.clear(throttleKey);
      await audit.record({
        action: 'auth.password_changed',
        outcome: 'success',
        actorId: account.id,
        actorIp: actor.ip,
        targetType: 'user',
        targetId: account.id,
      });
    },
  };
}

/** Issues a token unless the address had its fill of mails lately; undefined when it did. */
export async function issueLimitedToken(
  sql: SqlDatabase<AuthDatabase>,
  input: { userId: string; purpose: AccountTokenPurpose; supersede: boolean; at: Date },
): Promise<string | undefined> {
  const { userId, purpose, at } = input;
  return sql.withTransaction(async (trx) => {
    await lockAccount(trx, userId);
    const recent = await countTokensIssuedSince(
      trx,
      userId,
      purpose,
      new Date(at.getTime() - MAIL_WINDOW_MS),
    );
    if (recent >= MAX_MAILS_PER_WINDOW) return undefined;
    if (input.supersede) await revokeAccountTokens(trx, userId, purpose, at);
    return issueAccountToken(trx, userId, purpose, at);
  });
}

/**
 * Issues a verification link and mails it; resolves once the mailer took the
 * message (nothing is sent past the per-window limit). Only the newest
 * verification link works: an older one may sit in a forwarded or shared
 * mailbox. A resend sends it from background work (the first link goes out
 * in the welcome mail, welcome-mail.ts).
 */
export async function mailVerification(
  deps: Pick<AccountServiceDeps, 'sql' | 'mailer' | 'links' | 'now'>,
  user: Pick<User, 'id' | 'email'>,
): Promise<void> {
  await mailVerificationLink(deps, user.id, (token) =>
    verificationMail(deps.links, user.email, token),
  );
}

/**
 * Issues a new verification link (superseding the older ones) and mails the
 * message `compose` makes of it; nothing past the per-window limit.
 */
export async function mailVerificationLink(
  deps: Pick<AccountServiceDeps, 'sql' | 'mailer' | 'now'>,
  userId: string,
  compose: (token: string) => MailMessage,
): Promise<void> {
  const at = (deps.now ?? (() => new Date()))();
  const token = await issueLimitedToken(deps.sql, {
    userId,
    purpose: 'verify_email',
    supersede: true,
    at,
  });
  // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
  if (token === undefined) return;
  await deps.mailer.send(compose(token));
}
