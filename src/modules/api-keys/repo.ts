// API key persistence. Rows map to the public `ApiKey` shape here; the secret
// hash only ever leaves through `findKeyForVerification`, for the key check.
// Every owner-facing query is scoped by user id, so another user's key is
// indistinguishable from one that does not exist.

import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, ApiKeysDatabase } from './tables.ts';
import type { Role } from '../users/rbac.ts';
import type { ApiKey } from './schemas.ts';

type Db = Kysely<ApiKeysDatabase>;

const PUBLIC_COLUMNS = [
  'id',
  'name',
  'prefix',
  'scopes',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
] as const;

type PublicRow = Pick<Selectable<ApiKeysTable>, (typeof PUBLIC_COLUMNS)[number]>;

function toApiKey(row: PublicRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

/** The role of a live (not deleted) user, read fresh: what a new key may be scoped to. */
export async function findOwnerRole(db: Db, userId: string): Promise<Role | undefined> {
  const row = await db
    .selectFrom('users')
    .select('role')
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row?.role;
}

export async function insertApiKey(
  db: Db,
  values: {
    userId: string;
    name: string;
    prefix: string;
    secretHash: string;
    scopes: readonly string[];
    createdAt: Date;
    expiresAt: Date | null;
  },
): Promise<ApiKey> {
  const row = await db
    .insertInto('api_keys')
    .values({
      user_id: values.userId,
      name: values.name,
      prefix: values.prefix,
      secret_hash: values.secretHash,
      scopes: [...values.scopes],
      created_at: values.createdAt,
      expires_at: values.expiresAt,
      last_used_at: null,
      revoked_at: null,
    })
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/** The user's keys, revoked and expired ones included, newest first. */
export async function listApiKeysOfUser(db: Db, userId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(PUBLIC_COLUMNS)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toApiKey);
}

export async function findApiKeyOfUser(
  db: Db,
  userId: string,
  id: string,
): Promise<ApiKey | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(PUBLIC_COLUMNS)
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : toApiKey(row);
}

/** Revokes a live key of the user; undefined when there was none to revoke. */
export async function revokeApiKeyOfUser(
  db: Db,
  userId: string,
  id: string,
  at: Date,
): Promise<ApiKey | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
  return row === undefined ? undefined : toApiKey(row);
}

export interface KeyForVerification {
  readonly id: string;
  readonly userId: string;
  readonly secretHash: string;
  readonly scopes: readonly string[];
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  /** The owner's role now, not when the key was made. */
  readonly role: Role;
  readonly ownerDeletedAt: Date | null;
}

/** The key with this prefix and its owner's current role and status, whatever its state. */
export async function findKeyForVerification(
  db: Db,
  prefix: string,
): Promise<KeyForVerification | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select([
      'api_keys.id',
      'api_keys.user_id',
      'api_keys.secret_hash',
      'api_keys.scopes',
      'api_keys.expires_at',
      'api_keys.last_used_at',
      'api_keys.revoked_at',
      'users.role',
      'users.deleted_at',
    ])
    .where('api_keys.prefix', '=', prefix)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    secretHash: row.secret_hash,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    role: row.role,
    ownerDeletedAt: row.deleted_at,
  };
}

/**
 * Sets `last_used_at` unless it is already newer than `staleBefore`. The
 * condition is in the UPDATE itself, so a burst of concurrent requests with
 * one key writes the row once, not once per request.
 */
export async function touchApiKey(db: Db, id: string, at: Date, staleBefore: Date): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .execute();
}
