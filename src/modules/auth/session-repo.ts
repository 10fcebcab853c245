// Cookie sessions: the row a session cookie points at. The cookie's token is
// stored as its SHA-256 (see migrations/0005_trust.sql).

import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Role } from './rbac.ts';

type Db = Kysely<Database>;

export interface ActiveSession {
  readonly id: string;
  readonly userId: string;
  readonly role: Role;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
}

export async function insertSession(
  db: Db,
  values: {
    id: string;
    userId: string;
    tokenHash: string;
    createdAt: Date;
    expiresAt: Date;
    ip: string;
    userAgent: string | undefined;
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: values.id,
      user_id: values.userId,
      token_hash: values.tokenHash,
      created_at: values.createdAt,
      last_seen_at: values.createdAt,
      expires_at: values.expiresAt,
      revoked_at: null,
      ip: values.ip,
      // Bounded: the header is client-controlled.
      user_agent: values.userAgent?.slice(0, 256) ?? null,
    })
    .execute();
}

/**
 * The live session for a token hash, with its user's current role (a role
 * change applies on the next request), or undefined when it is unknown,
 * revoked, past its absolute expiry, or its user is deleted. Idle expiry is
 * the caller's rule.
 */
export async function findActiveSession(
  db: Db,
  tokenHash: string,
  at: Date,
): Promise<ActiveSession | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.role',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', at)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    role: row.role,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

export async function touchSession(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function revokeSession(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes every session of a user except, optionally, the one making the request. */
export async function revokeSessionsOfUser(
  db: Db,
  userId: string,
  at: Date,
  exceptId?: string,
): Promise<void> {
  let query = db
    .updateTable('sessions')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  await query.execute();
}
