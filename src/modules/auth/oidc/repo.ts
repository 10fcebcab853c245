// Sign-in attempts, linked identities and pending links (tables in
// migrations/0024_identity_providers.sql).

import type { Kysely, Transaction } from 'kysely';
import type { AuthDatabase } from '../tables.ts';

type Db = Kysely<AuthDatabase> | Transaction<AuthDatabase>;

export interface LoginAttempt {
  readonly nonce: string;
  readonly codeVerifierCiphertext: string;
  readonly responseKind: 'session' | 'tokens';
}

export async function insertLoginAttempt(
  db: Db,
  values: {
    stateHash: string;
    provider: string;
    nonce: string;
    codeVerifierCiphertext: string;
    responseKind: 'session' | 'tokens';
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('oidc_login_attempts')
    .values({
      state_hash: values.stateHash,
      provider: values.provider,
      nonce: values.nonce,
      code_verifier_ciphertext: values.codeVerifierCiphertext,
      response_kind: values.responseKind,
      created_at: values.createdAt,
      expires_at: values.expiresAt,
      used_at: null,
    })
    .execute();
}

/**
 * Uses the attempt up, whatever happens next: one UPDATE, so two callbacks
 * with the same `state` cannot both get past here.
 */
export async function takeLoginAttempt(
  db: Db,
  stateHash: string,
  provider: string,
  at: Date,
): Promise<LoginAttempt | undefined> {
  const row = await db
    .updateTable('oidc_login_attempts')
    .set({ used_at: at })
    .where('state_hash', '=', stateHash)
    .where('provider', '=', provider)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning(['nonce', 'code_verifier_ciphertext', 'response_kind'])
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    nonce: row.nonce,
    codeVerifierCiphertext: row.code_verifier_ciphertext,
    responseKind: row.response_kind,
  };
}

/** The account linked to a provider's subject, noting the use. */
export async function useIdentity(
  db: Db,
  provider: string,
  subject: string,
  at: Date,
): Promise<string | undefined> {
  const row = await db
    .updateTable('user_identities')
    .set({ last_used_at: at })
    .where('provider', '=', provider)
    .where('subject', '=', subject)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

/** False when the (provider, subject) is already linked (to any account). */
export async function insertIdentity(
  db: Db,
  values: { userId: string; provider: string; subject: string; email: string | null; at: Date },
): Promise<boolean> {
  const row = await db
    .insertInto('user_identities')
    .values({
      user_id: values.userId,
      provider: values.provider,
      subject: values.subject,
      email: values.email,
      created_at: values.at,
      last_used_at: values.at,
    })
    .onConflict((conflict) => conflict.columns(['provider', 'subject']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export interface LinkedIdentity {
  readonly id: string;
  readonly provider: string;
  readonly email: string | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

export async function listIdentities(db: Db, userId: string): Promise<LinkedIdentity[]> {
  const rows = await db
    .selectFrom('user_identities')
    .select(['id', 'provider', 'email', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    provider: row.provider,
    email: row.email,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  }));
}

export async function insertPendingLink(
  db: Db,
  values: {
    tokenHash: string;
    userId: string;
    provider: string;
    subject: string;
    email: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('oidc_pending_links')
    .values({
      token_hash: values.tokenHash,
      user_id: values.userId,
      provider: values.provider,
      subject: values.subject,
      email: values.email,
      created_at: values.createdAt,
      expires_at: values.expiresAt,
      used_at: null,
    })
    .execute();
}

/** Uses up a live pending link, but only for the account it names. */
export async function takePendingLink(
  db: Db,
  tokenHash: string,
  userId: string,
  at: Date,
): Promise<{ provider: string; subject: string; email: string } | undefined> {
  return db
    .updateTable('oidc_pending_links')
    .set({ used_at: at })
    .where('token_hash', '=', tokenHash)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning(['provider', 'subject', 'email'])
    .executeTakeFirst();
}

export async function markEmailVerified(db: Db, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ email_verified_at: at })
    .where('id', '=', userId)
    .where('email_verified_at', 'is', null)
    .execute();
}
