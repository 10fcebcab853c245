// User persistence. Rows map to the public `User` shape here; the password
// hash only ever leaves through `findCredentialsByEmail`, for the login check.

import type { Kysely, Selectable, Transaction } from 'kysely';
import type { UsersDatabase, UsersTable } from './tables.ts';
import type { User } from './schemas.ts';

// A transaction of a module with more tables (auth's) is accepted as a
// Transaction of these, not as a Kysely: hence both.
type Db = Kysely<UsersDatabase> | Transaction<UsersDatabase>;

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    emailVerified: row.email_verified_at !== null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function insertUser(
  db: Db,
  values: { email: string; passwordHash: string; displayName: string },
): Promise<User> {
  const row = await db
    .insertInto('users')
    .values({
      email: values.email,
      password_hash: values.passwordHash,
      display_name: values.displayName,
      email_verified_at: null,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

export interface Credentials {
  readonly user: User;
  readonly passwordHash: string;
}

export async function findCredentialsByEmail(
  db: Db,
  email: string,
): Promise<Credentials | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : { user: toUser(row), passwordHash: row.password_hash };
}

export async function updatePasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export async function updateProfile(
  db: Db,
  id: string,
  patch: { displayName?: string | undefined },
): Promise<User | undefined> {
  const row = await db
    .updateTable('users')
    .set({
      ...(patch.displayName === undefined ? {} : { display_name: patch.displayName }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toUser(row);
}

/** Keyset page, newest first. */
export async function listUsers(
  db: Db,
  options: { limit: number; before?: string | undefined },
): Promise<User[]> {
  let query = db
    .selectFrom('users')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  return (await query.execute()).map(toUser);
}

/** Soft delete: history (orders, audit) keeps pointing at the row. */
export async function softDeleteUser(db: Db, id: string): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ deleted_at: new Date(), updated_at: new Date() })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Sets the role and returns the user with the role they had before, or undefined. */
export async function changeRole(
  db: Db,
  id: string,
  role: User['role'],
): Promise<{ user: User; previous: User['role'] } | undefined> {
  const before = await db
    .selectFrom('users')
    .select('role')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (before === undefined) return undefined;
  const row = await db
    .updateTable('users')
    .set({ role, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { user: toUser(row), previous: before.role };
}
