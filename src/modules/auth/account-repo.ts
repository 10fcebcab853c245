// The user-row reads and writes the account flows (verification, password
// reset and change) need beyond users/repo.ts. The password hash leaves here
// only for the current-password check.

import type { Kysely } from 'kysely';
import type { AuthDatabase } from './tables.ts';

type Db = Kysely<AuthDatabase>;

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly emailVerified: boolean;
}

function accounts(db: Db) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'password_hash', 'email_verified_at'])
    .where('deleted_at', 'is', null);
}

function toAccount(
  row:
    | { id: string; email: string; password_hash: string; email_verified_at: Date | null }
    | undefined,
): Account | undefined {
  return row === undefined
    ? undefined
    : {
        id: row.id,
        email: row.email,
        passwordHash: row.password_hash,
        emailVerified: row.email_verified_at !== null,
      };
}

export async function findAccount(db: Db, userId: string): Promise<Account | undefined> {
  return toAccount(await accounts(db).where('id', '=', userId).executeTakeFirst());
}

export async function findAccountByEmail(db: Db, email: string): Promise<Account | undefined> {
  return toAccount(await accounts(db).where('email', '=', email).executeTakeFirst());
}

/** Sets email_verified_at unless it is already set (the first verification's time stays). */
export async function markEmailVerified(db: Db, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ email_verified_at: at, updated_at: at })
    .where('id', '=', userId)
    .where('email_verified_at', 'is', null)
    .execute();
}

/**
 * Revokes the user's refresh-token families except one (the session making
 * the request, whose tokens keep working).
 */
export async function revokeOtherRefreshFamilies(
  db: Db,
  userId: string,
  keepFamilyId: string | undefined,
  at: Date,
): Promise<void> {
  let query = db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (keepFamilyId !== undefined) query = query.where('family_id', '!=', keepFamilyId);
  await query.execute();
}

/**
 * Locks the user's row for the rest of the transaction: concurrent requests
 * for one account (say, five reset requests at once) then take turns, so a
 * count-then-insert inside the transaction holds.
 */
export async function lockAccount(db: Kysely<AuthDatabase>, userId: string): Promise<void> {
  await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
}
