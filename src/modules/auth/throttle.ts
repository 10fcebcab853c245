// Login throttling (seed module 05: "rate limit per-IP + per-account,
// exponential backoff, lock after N failures"). Every failed login counts
// against two keys — the account (by normalised email, whether or not it
// exists, so lockouts reveal nothing) and the client IP. After `freeFailures`
// failures a key is locked for base × 2^(extra failures), capped; a success
// clears the account key. Counters live in the database so every instance
// sees them.

import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
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

/** When the key is locked until (undefined when it is not). */
export async function lockedUntil(
  db: Kysely<Database>,
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
export async function recordFailure(
  db: Kysely<Database>,
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

export async function clearFailures(db: Kysely<Database>, key: string): Promise<void> {
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
export async function assertNotLocked(db: Kysely<Database>, key: string, at: Date): Promise<void> {
  const until = await lockedUntil(db, key, at);
  if (until !== undefined) throw tooManyAttempts(until, at);
}
