// Login throttling (seed module 05: "rate limit per-IP + per-account,
// exponential backoff, lock after N failures"). Every failed login counts
// against two keys — the account (by normalised email, whether or not it
// exists, so lockouts reveal nothing) and the client IP. After `freeFailures`
// failures a key is locked for base × 2^(extra failures), capped; a success
// clears the account key. Counters live where every instance sees them: in
// the database, or in the shared key-value store (Redis) when there is one,
// which takes these hot writes off the database (`ThrottleStore`).

import { sql, type Kysely } from 'kysely';
import type { AuthDatabase } from './tables.ts';
import type { KeyValueStore } from '../../ports/kv.ts';
import { authError } from './errors.ts';

export interface ThrottlePolicy {
  /** Failures allowed before the first lock. */
  readonly freeFailures: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
  /** Failures older than this are forgotten. */
  readonly windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  freeFailures: 5,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  windowMs: 60 * 60_000,
};

export function lockDurationMs(failures: number, policy: ThrottlePolicy): number {
  const extra = failures - policy.freeFailures;
  if (extra < 0) return 0;
  return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** Math.min(extra, 30));
}

/** Where failure counters and locks live. */
export interface ThrottleStore {
  /** When the key is locked until (undefined when it is not). */
  lockedUntil(key: string, now: Date): Promise<Date | undefined>;
  /** Counts a failure atomically and returns the new lock, if any. */
  recordFailure(key: string, now: Date, policy: ThrottlePolicy): Promise<Date | undefined>;
  clear(key: string): Promise<void>;
}

/** Counters in the `login_throttle` table. */
export function sqlThrottleStore(db: Kysely<AuthDatabase>): ThrottleStore {
  return {
    lockedUntil: (key, now) => sqlLockedUntil(db, key, now),
    recordFailure: (key, now, policy) => sqlRecordFailure(db, key, now, policy),
    clear: (key) => sqlClear(db, key),
  };
}

/**
 * Counters in the key-value store: a failure count that lives for the
 * policy's window from the first failure (a fixed window, where the table
 * slides it from the last one — close enough for lockout), and a lock key
 * that expires when the lock does. Increments are atomic, so concurrent
 * failures all count. When the store is down these calls throw (503): a
 * lockout that cannot be checked fails closed.
 */
export function kvThrottleStore(kv: KeyValueStore): ThrottleStore {
  const count = (key: string) => `throttle:${key}:failures`;
  const lock = (key: string) => `throttle:${key}:lock`;
  return {
    async lockedUntil(key, now) {
      const until = await kv.get(lock(key));
      if (until === undefined) return undefined;
      const date = new Date(Number(until));
      return date > now ? date : undefined;
    },
    async recordFailure(key, now, policy) {
      const failures = await kv.increment(count(key), 1, { ttlMs: policy.windowMs });
      const lockMs = lockDurationMs(failures, policy);
      if (lockMs === 0) return undefined;
      const until = new Date(now.getTime() + lockMs);
      await kv.set(lock(key), String(until.getTime()), { ttlMs: lockMs });
      return until;
    },
    async clear(key) {
      await kv.delete([count(key), lock(key)]);
    },
  };
}

async function sqlLockedUntil(
  db: Kysely<AuthDatabase>,
  key: string,
  now: Date,
): Promise<Date | undefined> {
  const row = await db
    .selectFrom('login_throttle')
    .select('locked_until')
    .where('key', '=', key)
    .executeTakeFirst();
  const until = row?.locked_until ?? null;
  return until !== null && until > now ? until : undefined;
}

/** Counts a failure atomically (one upsert) and returns the new lock, if any. */
async function sqlRecordFailure(
  db: Kysely<AuthDatabase>,
  key: string,
  now: Date,
  policy: ThrottlePolicy,
): Promise<Date | undefined> {
  const windowStart = new Date(now.getTime() - policy.windowMs);
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, last_failure_at: now, locked_until: null })
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet({
        failures: sql<number>`case when login_throttle.last_failure_at < ${windowStart}
                                   then 1 else login_throttle.failures + 1 end`,
        last_failure_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  const lockMs = lockDurationMs(row.failures, policy);
  if (lockMs === 0) return undefined;
  const until = new Date(now.getTime() + lockMs);
  await db
    .updateTable('login_throttle')
    .set({ locked_until: until })
    .where('key', '=', key)
    .execute();
  return until;
}

async function sqlClear(db: Kysely<AuthDatabase>, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/** The 429 for a locked key, with Retry-After in whole seconds. */
export function tooManyAttempts(until: Date, at: Date) {
  const seconds = Math.max(1, Math.ceil((until.getTime() - at.getTime()) / 1000));
  return authError('AUTH_TOO_MANY_ATTEMPTS', {
    detail: `try again in ${seconds} s`,
    headers: { 'retry-after': String(seconds) },
  });
}

/** Throws the 429 while `key` is locked. */
export async function assertNotLocked(store: ThrottleStore, key: string, at: Date): Promise<void> {
  const until = await store.lockedUntil(key, at);
  if (until !== undefined) throw tooManyAttempts(until, at);
}
