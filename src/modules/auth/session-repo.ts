// Cookie sessions in SQL: the row a session cookie points at, and the SQL
// SessionStore built on it (the default store; see session-store.ts). The
// cookie's token is stored as its SHA-256 (see migrations/0005_trust.sql).

import type { Kysely } from 'kysely';
import type { AuthDatabase } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type {
  LiveSession,
  NewSession,
  SessionStore,
  SessionStoreOptions,
} from './session-store.ts';

type Db = Kysely<AuthDatabase>;

/** The SessionStore on the `sessions` table. */
export function createSqlSessionStore(
  sql: SqlDatabase<AuthDatabase>,
  options: SessionStoreOptions,
): SessionStore {
  const idleMs = options.idleSeconds * 1000;
  return {
    insert: (session) => insertSession(sql.db, session),
    find: (tokenHash, at) =>
      findActiveSession(sql.db, tokenHash, at, new Date(at.getTime() - idleMs)),
    touch: (session, at) => touchSession(sql.db, session.id, at, new Date(at.getTime() - idleMs)),
    revoke: (sessionId, at) => revokeSession(sql.db, sessionId, at),
    revokeAllOfUser: (userId, at, revokeOptions = {}) =>
      revokeSessionsOfUser(sql.db, userId, at, revokeOptions.exceptSessionId),
  };
}

export async function insertSession(db: Db, values: NewSession): Promise<void> {
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
 * revoked, past its absolute expiry, unused since before `seenSince`, or its
 * user is deleted.
 */
export async function findActiveSession(
  db: Db,
  tokenHash: string,
  at: Date,
  seenSince: Date,
): Promise<LiveSession | undefined> {
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
    .where('sessions.last_seen_at', '>=', seenSince)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    id: row.id,
    tokenHash,
    userId: row.user_id,
    role: row.role,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Moves `last_seen_at` forward to `at`, never back (touches race), and not
 * for a session already idle since before `seenSince` (that one stays dead).
 */
export async function touchSession(db: Db, id: string, at: Date, seenSince: Date): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: at })
    .where('id', '=', id)
    .where('last_seen_at', '<', at)
    .where('last_seen_at', '>=', seenSince)
    .execute();
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
