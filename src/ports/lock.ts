// The distributed lock port: "run this on one instance at a time" (the cron
// scheduler's tick, a nightly job that must not overlap itself).
//
// A lock is a lease, not a mutex: it is held for `ttlMs` and then lapses by
// itself, so an instance that dies never blocks the others for longer than
// that. The holder renews it (`extend`) while it works; `withLock` does that
// for you. Whatever the holder believes, the lease can still be lost (a pause
// longer than the ttl, a network partition): work under a lock must be safe to
// overlap briefly with a new holder — make its effects idempotent, or pass the
// signal `withLock` gives to stop early.
//
// Every lease carries a random token, and `extend` and `release` act only when
// the stored token is still theirs. A holder whose lease ran out and was taken
// over can therefore neither prolong nor end the new holder's lease: it learns
// from `extend` answering false that it lost the lock.
//
// Expiry is decided by the store's clock (the database's `now()`, Redis'
// PX), never by the instances', so skewed clocks cannot let two holders in.
//
// Two adapters pass one contract suite (lock.contract.ts): PostgreSQL
// (adapters/lock/postgres.ts, a `locks` table) and Redis (adapters/lock/redis.ts).

export interface AcquireOptions {
  /** How long the lease holds unless extended. */
  readonly ttlMs: number;
}

export interface Lease {
  readonly name: string;
  /** Random per acquisition: what extend and release are fenced by. */
  readonly token: string;
  /**
   * Makes the lease run `ttlMs` from now; false when it is no longer held
   * (it ran out, and perhaps someone else holds the lock now).
   */
  extend(ttlMs: number): Promise<boolean>;
  /** Gives the lock up, when still held by this lease; a no-op otherwise. */
  release(): Promise<void>;
}

export interface LockManager {
  /** The lease, or undefined when someone else holds the lock. */
  acquire(name: string, options: AcquireOptions): Promise<Lease | undefined>;
  /** Releases the adapter (not a connection it was given). */
  close(): Promise<void>;
}

export type WithLockResult<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

const LOCK_NAME = /^[\w.:-]{1,200}$/;

/** Names the adapters use as they are (a row key, part of a Redis key). */
export function checkLockName(name: string): string {
  if (!LOCK_NAME.test(name)) {
    throw new TypeError(
      `invalid lock name ${JSON.stringify(name)}: letters, digits, _ . : - (up to 200)`,
    );
  }
  return name;
}

export function checkTtl(ttlMs: number): number {
  if (!(Number.isInteger(ttlMs) && ttlMs >= 1 && ttlMs <= 2 ** 31 - 1)) {
    throw new RangeError(`lock ttlMs must be a positive integer of milliseconds, got ${ttlMs}`);
  }
  return ttlMs;
}

/**
 * Runs `fn` while holding lock `name`: `{ ran: false }` at once when someone
 * else holds it. The lease is renewed every third of `ttlMs` while `fn` runs
 * and released when it settles (also when it throws). If a renewal answers
 * that the lease is gone — or renewals keep failing until it must have run
 * out — `signal` is aborted: `fn` should stop, another instance may now hold
 * the lock. `fn`'s value (or error) is passed on either way.
 */
export async function withLock<T>(
  manager: LockManager,
  name: string,
  options: AcquireOptions,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<WithLockResult<T>> {
  const ttlMs = checkTtl(options.ttlMs);
  const lease = await manager.acquire(name, { ttlMs });
  if (lease === undefined) return { ran: false };
  const lost = new AbortController();
  // Measured from before each request, so a slow answer cannot make the lease look younger.
  let heldUntil = performance.now() + ttlMs;
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    const asked = performance.now();
    try {
      if (await lease.extend(ttlMs)) heldUntil = asked + ttlMs;
      else lost.abort(new Error(`lost the lock "${name}": its lease ran out`));
    } catch (error) {
      // The store did not answer: the lease may still hold, until it cannot.
      if (performance.now() >= heldUntil) {
        lost.abort(new Error(`lost the lock "${name}": it could not be renewed`, { cause: error }));
      }
    }
  };
  const timer = setInterval(
    () => {
      if (lost.signal.aborted) return;
      renewing = renewing.then(renew);
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  try {
    return { ran: true, value: await fn(lost.signal) };
  } finally {
    clearInterval(timer);
    await renewing;
    // A failed release leaves a lease that runs out by itself.
    await lease.release().catch(() => undefined);
  }
}
