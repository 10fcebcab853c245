// Passkeys and their pending ceremonies (tables in
// migrations/0024_identity_providers.sql).

import type { Kysely, Transaction } from 'kysely';
import type { AuthDatabase } from '../tables.ts';

type Db = Kysely<AuthDatabase> | Transaction<AuthDatabase>;

export interface StoredPasskey {
  readonly id: string;
  readonly userId: string;
  readonly credentialId: string;
  readonly publicKey: string;
  readonly signCount: number;
  readonly transports: string[];
  readonly name: string;
  readonly deviceType: string;
  readonly backedUp: boolean;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
}

const COLUMNS = [
  'id',
  'user_id',
  'credential_id',
  'public_key',
  'sign_count',
  'transports',
  'name',
  'device_type',
  'backed_up',
  'created_at',
  'last_used_at',
] as const;

type Row = {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  sign_count: string;
  transports: string[];
  name: string;
  device_type: string;
  backed_up: boolean;
  created_at: Date;
  last_used_at: Date | null;
};

function toPasskey(row: Row): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    signCount: Number(row.sign_count),
    transports: row.transports,
    name: row.name,
    deviceType: row.device_type,
    backedUp: row.backed_up,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function insertPasskey(
  db: Db,
  values: Omit<StoredPasskey, 'id' | 'lastUsedAt'>,
): Promise<StoredPasskey | undefined> {
  const row = await db
    .insertInto('webauthn_credentials')
    .values({
      user_id: values.userId,
      credential_id: values.credentialId,
      public_key: values.publicKey,
      sign_count: values.signCount,
      transports: values.transports,
      device_type: values.deviceType,
      backed_up: values.backedUp,
      name: values.name,
      created_at: values.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .onConflict((conflict) => conflict.column('credential_id').doNothing())
    .returning(COLUMNS)
    .executeTakeFirst();
  return row === undefined ? undefined : toPasskey(row);
}

export async function listPasskeys(db: Db, userId: string): Promise<StoredPasskey[]> {
  const rows = await db
    .selectFrom('webauthn_credentials')
    .select(COLUMNS)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toPasskey);
}

/** How many passkeys the user has that are not revoked. */
export async function countPasskeys(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('webauthn_credentials')
    .select(({ fn }) => fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Locks the row: two assertions of one credential are checked one after the other. */
export async function findActivePasskeyForUpdate(
  db: Db,
  credentialId: string,
): Promise<StoredPasskey | undefined> {
  const row = await db
    .selectFrom('webauthn_credentials')
    .select(COLUMNS)
    .where('credential_id', '=', credentialId)
    .where('revoked_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : toPasskey(row);
}

export async function recordPasskeyUse(
  db: Db,
  id: string,
  signCount: number,
  backedUp: boolean,
  at: Date,
): Promise<void> {
  await db
    .updateTable('webauthn_credentials')
    .set({ sign_count: signCount, backed_up: backedUp, last_used_at: at })
    .where('id', '=', id)
    .execute();
}

export async function revokePasskey(
  db: Db,
  userId: string,
  id: string,
  at: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('webauthn_credentials')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export type CeremonyPurpose = 'register' | 'sign_in' | 'second_factor';

export async function insertCeremony(
  db: Db,
  values: {
    id: string;
    purpose: CeremonyPurpose;
    challenge: string;
    userId: string | null;
    mfaTokenHash: string | null;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('webauthn_ceremonies')
    .values({
      id: values.id,
      purpose: values.purpose,
      challenge: values.challenge,
      user_id: values.userId,
      mfa_token_hash: values.mfaTokenHash,
      created_at: values.createdAt,
      expires_at: values.expiresAt,
      used_at: null,
    })
    .execute();
}

/** Uses the ceremony up whatever the outcome: each challenge is answered once. */
export async function takeCeremony(
  db: Db,
  id: string,
  purpose: CeremonyPurpose,
  at: Date,
): Promise<{ challenge: string; userId: string | null; mfaTokenHash: string | null } | undefined> {
  const row = await db
    .updateTable('webauthn_ceremonies')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .returning(['challenge', 'user_id', 'mfa_token_hash'])
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { challenge: row.challenge, userId: row.user_id, mfaTokenHash: row.mfa_token_hash };
}

/** The user a live, unused second-factor challenge (mfa_challenges) is for. */
export async function liveMfaChallengeUser(
  db: Db,
  tokenHash: string,
  at: Date,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('mfa_challenges')
    .select('user_id')
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', at)
    .executeTakeFirst();
  return row?.user_id;
}
