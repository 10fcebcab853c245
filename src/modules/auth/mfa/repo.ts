// TOTP enrolments, recovery codes and login challenges (tables in
// migrations/0005_trust.sql).

import { sql, type Kysely } from 'kysely';
import type { AuthDatabase } from '../tables.ts';

type Db = Kysely<AuthDatabase>;

export interface Enrolment {
  readonly secretCiphertext: string;
  readonly confirmed: boolean;
  readonly lastUsedStep: number | null;
}

/** Locks the row so two logins with one code cannot both pass the replay check. */
export async function findEnrolmentForUpdate(
  db: Db,
  userId: string,
): Promise<Enrolment | undefined> {
  const row = await db
    .selectFrom('user_mfa')
    .select(['secret_ciphertext', 'confirmed_at', 'last_used_step'])
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    secretCiphertext: row.secret_ciphertext,
    confirmed: row.confirmed_at !== null,
    lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
  };
}

export async function isEnrolled(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('user_mfa')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/** Starts (or restarts) an unconfirmed enrolment; a confirmed one is left alone. */
export async function upsertPendingEnrolment(
  db: Db,
  userId: string,
  secretCiphertext: string,
  at: Date,
): Promise<boolean> {
  const row = await db
    .insertInto('user_mfa')
    .values({
      user_id: userId,
      secret_ciphertext: secretCiphertext,
      created_at: at,
      confirmed_at: null,
      last_used_step: null,
    })
    .onConflict((conflict) =>
      conflict
        .column('user_id')
        .doUpdateSet({ secret_ciphertext: secretCiphertext, last_used_step: null })
        .where('user_mfa.confirmed_at', 'is', null),
    )
    .returning('user_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function confirmEnrolment(
  db: Db,
  userId: string,
  step: number,
  at: Date,
): Promise<void> {
  await db
    .updateTable('user_mfa')
    .set({ confirmed_at: at, last_used_step: step })
    .where('user_id', '=', userId)
    .execute();
}

export async function recordUsedStep(db: Db, userId: string, step: number): Promise<void> {
  await db
    .updateTable('user_mfa')
    .set({ last_used_step: step })
    .where('user_id', '=', userId)
    .execute();
}

export async function deleteEnrolment(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('user_mfa').where('user_id', '=', userId).execute();
}

export async function replaceRecoveryCodes(
  db: Db,
  userId: string,
  hashes: readonly string[],
): Promise<void> {
  await db.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('mfa_recovery_codes')
    .values(hashes.map((hash) => ({ user_id: userId, code_hash: hash, used_at: null })))
    .execute();
}

export async function unusedRecoveryCodes(
  db: Db,
  userId: string,
): Promise<{ id: string; hash: string }[]> {
  const rows = await db
    .selectFrom('mfa_recovery_codes')
    .select(['id', 'code_hash'])
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ id: row.id, hash: row.code_hash }));
}

export async function markRecoveryCodeUsed(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('mfa_recovery_codes').set({ used_at: at }).where('id', '=', id).execute();
}

export async function insertChallenge(
  db: Db,
  values: { tokenHash: string; userId: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('mfa_challenges')
    .values({
      token_hash: values.tokenHash,
      user_id: values.userId,
      created_at: values.createdAt,
      expires_at: values.expiresAt,
      used_at: null,
    })
    .execute();
}

/**
 * Counts an attempt on a live challenge and returns its user, or undefined
 * when the challenge is unknown, used, expired or out of attempts. One
 * statement, so parallel guesses cannot share an attempt.
 */
export async function takeChallengeAttempt(
  db: Db,
  tokenHash: string,
  at: Date,
  maxAttempts: number,
): Promise<string | undefined> {
  const row = await db
    .updateTable('mfa_challenges')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .where('attempts', '<', maxAttempts)
    .returning('user_id')
    .executeTakeFirst();
  return row?.user_id;
}

export async function markChallengeUsed(db: Db, tokenHash: string, at: Date): Promise<void> {
  await db
    .updateTable('mfa_challenges')
    .set({ used_at: at })
    .where('token_hash', '=', tokenHash)
    .execute();
}
