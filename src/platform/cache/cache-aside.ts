// Cache-aside (seed module 12) for values the database owns, in two tiers:
//
//   L1  a small in-process LRU with a short TTL: a hit costs a Map lookup;
//   L2  the key-value store: in-process when embedded, Redis when configured,
//       shared by every instance.
//
// A miss loads from the source once per key and instance (single-flight) and
// fills both tiers. TTLs are jittered so keys written together do not expire
// together. An entry past its fresh TTL but inside its stale window is served
// at once while one background load refreshes it (stale-while-revalidate).
//
// Invalidation on write, without serving old values: the writer calls
// `invalidate(key, version)` after its commit. That records a version floor
// in L2 (entries below it count as misses, so a load that raced the write
// and cached the old row cannot win), deletes the L2 entry, and publishes
// the floor so every instance drops its L1 copy. The bound, stated: an
// instance serves a value older than the last write for at most the pub/sub
// delivery delay (milliseconds); if a message is lost (pub/sub is
// at-most-once), for at most the L1 TTL. L2 itself is never behind.
//
// The cache never fails a read: when L2 or pub/sub is down, reads go to the
// source (counted in `errors`), and L1 TTLs stay short so the loss of
// invalidation messages is bounded as above.

import type { KeyValueStore } from '../../ports/kv.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { Logger } from '../logger.ts';
import { SingleFlight } from './single-flight.ts';
import { currentUnitOfWork } from '../unit-of-work.ts';

export interface CacheOptions<T> {
  readonly kv: KeyValueStore;
  readonly pubsub: PubSub;
  /** Prefix of this cache's keys and channel, e.g. `products`. */
  readonly namespace: string;
  /** How long an entry is fresh (before jitter). */
  readonly ttlMs: number;
  /** How long after that a stale entry may still be served while it refreshes. */
  readonly staleMs: number;
  /** ±fraction applied to TTLs, 0..0.5. */
  readonly jitter?: number;
  /** L1 capacity (entries) and its maximum age, the staleness bound when a message is lost. */
  readonly localEntries?: number;
  readonly localTtlMs?: number;
  /** The version a value carries (for the write floor); values without one never go stale by version. */
  readonly versionOf?: (value: T) => number;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface CacheStats {
  hits: number;
  localHits: number;
  misses: number;
  staleServed: number;
  coalesced: number;
  loads: number;
  invalidations: number;
  errors: number;
}

interface Entry<T> {
  readonly value: T;
  readonly freshUntil: number;
  readonly staleUntil: number;
}

interface LocalEntry<T> extends Entry<T> {
  readonly expiresAt: number;
}

export class CacheAside<T> {
  readonly stats: CacheStats = {
    hits: 0,
    localHits: 0,
    misses: 0,
    staleServed: 0,
    coalesced: 0,
    loads: 0,
    invalidations: 0,
    errors: 0,
  };
  readonly #options: CacheOptions<T>;
  readonly #local = new Map<string, LocalEntry<T>>();
  /** Version floors heard from writers (this instance's and others'). */
  readonly #floors = new Map<string, number>();
  readonly #flight = new SingleFlight<T | undefined>();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #channel: string;
  #unsubscribe: (() => Promise<void>) | undefined;
  #failing = false;

  constructor(options: CacheOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#channel = `cache:${options.namespace}:invalidate`;
  }

  /** Starts listening for other instances' invalidations. */
  async start(): Promise<void> {
    try {
      this.#unsubscribe = await this.#options.pubsub.subscribe(this.#channel, (message) => {
        this.#heard(message);
      });
    } catch (error) {
      this.#failed(error, 'subscribe');
    }
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.().catch(() => undefined);
    this.#unsubscribe = undefined;
  }

  /** The cached value for `key`, loading it from the source on a miss (undefined: not found, not cached). */
  async get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    // The lookup's time goes to the request's unit of work (Server-Timing's
    // `cache`); a miss's load is counted where it queries.
    const unit = currentUnitOfWork();
    const started = unit === undefined ? 0 : performance.now();
    const now = this.#now();
    const local = this.#local.get(key);
    if (local !== undefined && local.expiresAt > now && this.#current(key, local.value)) {
      if (local.freshUntil > now) {
        this.stats.hits += 1;
        this.stats.localHits += 1;
        // LRU: move to the end.
        this.#local.delete(key);
        this.#local.set(key, local);
        unit?.lookedUp(performance.now() - started);
        return local.value;
      }
    }
    const shared = await this.#readShared(key);
    unit?.lookedUp(performance.now() - started);
    if (shared !== undefined && this.#current(key, shared.value)) {
      if (shared.freshUntil > now) {
        this.stats.hits += 1;
        this.#remember(key, shared, now);
        return shared.value;
      }
      if (shared.staleUntil > now) {
        this.stats.staleServed += 1;
        void this.#refresh(key, load).catch(() => undefined);
        return shared.value;
      }
    }
    this.stats.misses += 1;
    return this.#refresh(key, load);
  }

  /**
   * After a committed write. With the value's new `version` (and a
   * `versionOf`), no instance serves `key` below it again; without, the
   * entry is dropped everywhere.
   */
  async invalidate(key: string, version?: number): Promise<void> {
    this.stats.invalidations += 1;
    this.#local.delete(key);
    const floor = this.#options.versionOf === undefined ? undefined : version;
    if (floor !== undefined) this.#raiseFloor(key, floor);
    const kv = this.#options.kv;
    try {
      if (floor !== undefined) {
        await kv.set(this.#floorKey(key), String(floor), { ttlMs: this.#floorTtlMs() });
      }
      await kv.delete([this.#entryKey(key)]);
      await this.#options.pubsub.publish(this.#channel, JSON.stringify({ key, floor }));
      this.#recovered();
    } catch (error) {
      this.#failed(error, 'invalidate');
    }
  }

  #refresh(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const before = this.#flight.coalesced;
    const result = this.#flight.run(key, async () => {
      this.stats.loads += 1;
      const value = await load();
      if (value !== undefined && this.#current(key, value)) await this.#write(key, value);
      return value;
    });
    this.stats.coalesced += this.#flight.coalesced - before;
    return result;
  }

  async #write(key: string, value: T): Promise<void> {
    const now = this.#now();
    const ttl = this.#jittered(this.#options.ttlMs);
    const entry: Entry<T> = {
      value,
      freshUntil: now + ttl,
      staleUntil: now + ttl + this.#options.staleMs,
    };
    this.#remember(key, entry, now);
    try {
      await this.#options.kv.set(this.#entryKey(key), JSON.stringify(entry), {
        ttlMs: ttl + this.#options.staleMs,
      });
      this.#recovered();
    } catch (error) {
      this.#failed(error, 'write');
    }
  }

  async #readShared(key: string): Promise<Entry<T> | undefined> {
    const wantsFloor = this.#options.versionOf !== undefined;
    try {
      const [text, floor] = await this.#options.kv.getMany(
        wantsFloor ? [this.#entryKey(key), this.#floorKey(key)] : [this.#entryKey(key)],
      );
      this.#recovered();
      if (floor !== undefined) this.#raiseFloor(key, Number(floor));
      return text === undefined ? undefined : (JSON.parse(text) as Entry<T>);
    } catch (error) {
      this.#failed(error, 'read');
      return undefined;
    }
  }

  #remember(key: string, entry: Entry<T>, now: number): void {
    const localTtl = this.#options.localTtlMs ?? 5_000;
    this.#local.delete(key);
    this.#local.set(key, {
      ...entry,
      freshUntil: Math.min(entry.freshUntil, now + localTtl),
      expiresAt: Math.min(entry.staleUntil, now + localTtl),
    });
    const capacity = this.#options.localEntries ?? 10_000;
    while (this.#local.size > capacity) {
      this.#local.delete(this.#local.keys().next().value!);
    }
  }

  /** False when a writer has since moved `key` past this value's version. */
  #current(key: string, value: T): boolean {
    const floor = this.#floors.get(key);
    if (floor === undefined) return true;
    const versionOf = this.#options.versionOf;
    return versionOf !== undefined && versionOf(value) >= floor;
  }

  #raiseFloor(key: string, floor: number): void {
    if (!Number.isSafeInteger(floor)) return;
    const current = this.#floors.get(key);
    if (current === undefined || floor > current) this.#floors.set(key, floor);
    // Bounded like L1: floors only matter for keys that may still be cached here.
    if (this.#floors.size > (this.#options.localEntries ?? 10_000) * 2) {
      this.#floors.delete(this.#floors.keys().next().value!);
    }
  }

  #heard(message: string): void {
    try {
      const { key, floor } = JSON.parse(message) as { key: string; floor?: number };
      this.#local.delete(key);
      if (floor !== undefined) this.#raiseFloor(key, floor);
    } catch {
      // Not ours to interpret; the channel is namespaced, so this is noise.
    }
  }

  #jittered(ms: number): number {
    const jitter = Math.min(0.5, Math.max(0, this.#options.jitter ?? 0.1));
    return Math.max(1, Math.round(ms * (1 - jitter + 2 * jitter * this.#random())));
  }

  /** A floor must outlive every entry written before it: the longest entry lifetime, twice. */
  #floorTtlMs(): number {
    return 2 * (this.#options.ttlMs * 1.5 + this.#options.staleMs) + 60_000;
  }

  #entryKey(key: string): string {
    return `cache:${this.#options.namespace}:${key}`;
  }

  #floorKey(key: string): string {
    return `cache:${this.#options.namespace}:${key}:floor`;
  }

  #failed(error: unknown, operation: string): void {
    this.stats.errors += 1;
    if (this.#failing) return;
    this.#failing = true;
    this.#options.logger.warn(
      { err: error, cache: this.#options.namespace, operation },
      'cache backend failing: reading from the source',
    );
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#options.logger.info({ cache: this.#options.namespace }, 'cache backend back');
  }
}
