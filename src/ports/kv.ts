// The key-value port: small, short-lived shared state — cache entries, locks
// and leases, counters for rate limits. Two adapters: an in-process LRU with
// TTLs (the default: one instance, nothing to install) and Redis (REDIS_URL:
// the state is shared by every instance, so a lock taken on one is seen by
// all). Both pass the same contract suite (kv.contract.ts).
//
// Rules for code that uses the port:
// - It is not a database. Entries can vanish at any time (TTL, eviction under
//   memory pressure, a Redis restart); keep nothing here that cannot be
//   rebuilt or lost, and keep the source of truth in SQL.
// - Keys are plain strings named `<module>:<thing>:<id>` (`cache:product:42`);
//   the Redis adapter adds its own prefix, so a key never carries one.
// - Values are strings: serialise explicitly (JSON), version what you store.
// - Every call can reject when Redis is unreachable (REDIS_UNAVAILABLE, after
//   a bounded wait, never a hang). Each caller decides what that means:
//   a cache fails open (serve from the database), a lock fails closed.
// - `ttlMs` is a positive number of milliseconds; fractions round up.

export interface SetOptions {
  /** Expire the entry after this many milliseconds; absent: no expiry (and a previous one is cleared). */
  readonly ttlMs?: number;
}

export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  /** One value per key, in the order of `keys`; undefined for each missing one. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  set(key: string, value: string, options?: SetOptions): Promise<void>;
  /** Only when absent (locks, leases); true when it was set. */
  setIfAbsent(key: string, value: string, options: { ttlMs: number }): Promise<boolean>;
  /** Removes the keys; resolves with how many of them existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Atomic add, creating the key at 0; ttlMs applies when the key is created. */
  increment(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /** Remaining time to live in ms; undefined for a missing key or one without expiry. */
  ttlMs(key: string): Promise<number | undefined>;
  /** Releases the store; it must not be used afterwards. */
  close(): Promise<void>;
}
