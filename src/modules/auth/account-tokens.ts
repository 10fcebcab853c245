// Single-use account tokens: the secret in an email-verification or
// password-reset link. 32 random bytes (base64url) go into the email; only
// their SHA-256 is stored (migrations/0005_trust.sql says why a fast hash is
// enough), so a leaked table holds no usable link.
//
// Lifetimes: a verification link may sit in an inbox over a weekend (48 h);
// a reset link replaces the password, so it lives 30 minutes.
//
// Consuming is one conditional UPDATE … RETURNING: of two concurrent uses of
// one token, the second waits for the first's row lock, re-checks `used_at is
// null`, and matches nothing — exactly one use succeeds, on both engines.

import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuthDatabase, UserTokensTable } from './tables.ts';

type Db = Kysely<AuthDatabase>;

export type AccountTokenPurpose = UserTokensTable['purpose'];

export const ACCOUNT_TOKEN_TTL_MS: Readonly<Record<AccountTokenPurpose, number>> = {
  verify_email: 48 * 60 * 60_000,
  reset_password: 30 * 60_000,
};

export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Stores a new token for the user and returns the secret to send (never stored). */
export async function issueAccountToken(
  db: Db,
  userId: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('user_tokens')
    .values({
      user_id: userId,
      purpose,
      token_hash: hashAccountToken(token),
      created_at: at,
      expires_at: new Date(at.getTime() + ACCOUNT_TOKEN_TTL_MS[purpose]),
      used_at: null,
    })
    .execute();
  return token;
}

/**
 * The user a token belongs to when it is still usable (unknown, used, expired
 * and a deleted user's tokens are all undefined). Reading does not use it up.
 */
export async function findUsableToken(
  db: Db,
  token: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<{ userId: string; email: string } | undefined> {
  const row = await db
    .selectFrom('user_tokens')
    .innerJoin('users', 'users.id', 'user_tokens.user_id')
    .select(['users.id', 'users.email'])
    .where('user_tokens.token_hash', '=', hashAccountToken(token))
    .where('user_tokens.purpose', '=', purpose)
    .where('user_tokens.used_at', 'is', null)
    .where('user_tokens.expires_at', '>', at)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : { userId: row.id, email: row.email };
}

/** Uses the token up; returns its user, or undefined when it was not usable. */
export async function consumeAccountToken(
  db: Db,
  token: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<string | undefined> {
  const row = await db
    .updateTable('user_tokens')
    .set({ used_at: at })
    .where('token_hash', '=', hashAccountToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('users')
          .select('users.id')
          .whereRef('users.id', '=', 'user_tokens.user_id')
          .where('users.deleted_at', 'is', null),
      ),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** Marks every outstanding token of one purpose used (a newer one, or a reset, superseded them). */
export async function revokeAccountTokens(
  db: Db,
  userId: string,
  purpose: AccountTokenPurpose,
  at: Date,
): Promise<void> {
  await db
    .updateTable('user_tokens')
    .set({ used_at: at })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}

/** How many tokens of one purpose were issued to the user since `since`. */
export async function countTokensIssuedSince(
  db: Db,
  userId: string,
  purpose: AccountTokenPurpose,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom('user_tokens')
    .select(({ fn }) => fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
