// Where browser sessions live: the port behind the store wiring/engines.ts
// picks. Two stores pass one contract suite (session-store.contract.ts):
// - SQL (session-repo.ts), the default: the `sessions` table, which reads the
//   user's current role and deletion on every lookup;
// - the key-value store (kv-session-store.ts), chosen with REDIS_URL: every
//   authenticated browser request reads its session, and a session is
//   short-lived state whose loss only signs a browser out, so with Redis
//   there it need not cost a database round trip.
//
// What a store promises, whichever it is:
// - `find` returns only a live session: known, not revoked, before its
//   absolute expiry, used within the idle timeout, of a user who still exists.
// - Revocation is final: a revoked session never comes back, whatever touches
//   or lookups race it.
// - `revokeAllOfUser` ends every session the user had when it was called;
//   the one in `exceptSessionId`, if it is the user's, stays live.
// - Every call can reject (REDIS_UNAVAILABLE on Redis, a database error on
//   SQL); callers let it propagate: an unknown session is anonymous, a store
//   that cannot answer is not.

import type { Role } from '../users/rbac.ts';

export interface NewSession {
  /** A random UUID, the session's public handle (it is in the caller's identity). */
  readonly id: string;
  readonly userId: string;
  /** SHA-256 of the cookie's token: the token itself is never stored. */
  readonly tokenHash: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly ip: string;
  readonly userAgent: string | undefined;
}

export interface LiveSession {
  readonly id: string;
  readonly tokenHash: string;
  readonly userId: string;
  /**
   * The user's role: as it is now (SQL), or as it was at sign-in (key-value),
   * which is equivalent because a role change ends all the user's sessions.
   */
  readonly role: Role;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
}

export interface SessionStore {
  insert(session: NewSession): Promise<void>;
  /** The live session for a token hash at `at`, or undefined. */
  find(tokenHash: string, at: Date): Promise<LiveSession | undefined>;
  /**
   * Records use at `at` of a session `find` returned: the idle timeout runs
   * from there. Revives nothing: not a revoked session, nor one already idle.
   */
  touch(session: LiveSession, at: Date): Promise<void>;
  /** Ends one session; revoking an unknown or revoked one is a no-op. */
  revoke(sessionId: string, at: Date): Promise<void>;
  /** Ends every session of the user, except the one in `exceptSessionId` (the caller's). */
  revokeAllOfUser(
    userId: string,
    at: Date,
    options?: { readonly exceptSessionId?: string | undefined },
  ): Promise<void>;
}

export interface SessionStoreOptions {
  /** A session unused for longer than this is dead (SESSION_IDLE_S). */
  readonly idleSeconds: number;
}

/** What services that end sessions (password reset, role change, deletion) need of the store. */
export type SessionRevoker = Pick<SessionStore, 'revokeAllOfUser'>;
