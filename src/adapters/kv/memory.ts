// The in-process key-value store: what one instance uses when there is no
// Redis. An LRU with per-entry TTLs, bounded twice — by entry count and by an
// approximate byte budget — so a cache in front of 10,000 products cannot
// grow the heap without limit.
//
// How it stays O(1): a Map keeps insertion order, so "recently used" is
// "re-inserted on every read or write", and the least recently used entry is
// always the first key. Eviction takes first keys until both bounds hold.
//
// Expired entries are never returned: every read checks the deadline (lazy
// expiry). Entries nobody reads again would still hold memory until LRU
// pressure pushed them out, so an unref'd timer sweeps a bounded batch of
// entries now and then; it never keeps the process alive.
//
// Like Redis under `maxmemory` with `allkeys-lru`, eviction does not care what
// an entry is for: size the bounds for the working set (locks and counters are
// a few dozen bytes each). A single value larger than the whole byte budget is
// refused, as Redis refuses a write that cannot fit (OOM).

import type { KeyValueStore, SetOptions } from '../../ports/kv.ts';
import { incrementStep, ttlMillis } from './arguments.ts';

export interface MemoryKeyValueStoreOptions {
  /** At most this many entries; the least recently used go first. Default 10,000. */
  readonly maxEntries?: number;
  /** Approximate memory budget for keys and values, in bytes. Default 64 MiB. */
  readonly maxBytes?: number;
  /** How often expired entries nobody reads are swept. Default 5,000 ms; 0 disables the timer. */
  readonly sweepIntervalMs?: number;
  /** Entries examined per sweep. Default 1,000. */
  readonly sweepBatch?: number;
  /** A monotonic clock in milliseconds (tests). Default `performance.now`. */
  readonly now?: () => number;
}

export interface MemoryKeyValueStore extends KeyValueStore {
  /** Live and not-yet-swept entries, and their estimated size. */
  stats(): { readonly entries: number; readonly bytes: number };
  /** Removes expired entries among the next `limit` (default: the sweep batch); returns how many. */
  sweep(limit?: number): number;
}

interface Entry {
  readonly value: string;
  /** Monotonic deadline in ms; Infinity without a TTL. */
  readonly expiresAt: number;
  readonly bytes: number;
}

/**
 * Estimated heap cost of an entry: strings as UTF-16 (two bytes per code
 * unit, an upper bound for V8's one-byte strings) plus the Map slot and the
 * entry object. An estimate, not an accounting: the bound is what matters.
 */
const ENTRY_OVERHEAD_BYTES = 64;

function sizeOf(key: string, value: string): number {
  return (key.length + value.length) * 2 + ENTRY_OVERHEAD_BYTES;
}

const INTEGER_TEXT = /^-?(0|[1-9]\d*)$/;

export function createMemoryKeyValueStore(
  options: MemoryKeyValueStoreOptions = {},
): MemoryKeyValueStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const sweepBatch = options.sweepBatch ?? 1000;
  const now = options.now ?? (() => performance.now());
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('maxEntries must be a positive integer');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError('maxBytes must be a positive integer');
  }

  const entries = new Map<string, Entry>();
  let bytes = 0;
  let closed = false;
  /** Where the next sweep resumes; Map iterators stay valid while entries change. */
  let cursor: MapIterator<[string, Entry]> | undefined;

  /** Runs one operation: a failure (closed store, bad argument) becomes a rejection, never a throw. */
  const run = <T>(operation: () => T): Promise<T> =>
    new Promise<T>((resolve) => {
      if (closed) throw new Error('the key-value store is closed');
      resolve(operation());
    });

  const remove = (key: string, entry: Entry) => {
    entries.delete(key);
    bytes -= entry.bytes;
  };

  /** The entry if it exists and has not expired; an expired one is dropped on the way. */
  const live = (key: string, at: number): Entry | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= at) {
      remove(key, entry);
      return undefined;
    }
    return entry;
  };

  /** Marks the entry most recently used: to the end of the Map's order. */
  const touch = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
  };

  const store = (key: string, value: string, expiresAt: number) => {
    const size = sizeOf(key, value);
    if (size > maxBytes) {
      throw new RangeError(`value for "${key}" exceeds the store's byte budget of ${maxBytes}`);
    }
    const previous = entries.get(key);
    if (previous !== undefined) remove(key, previous);
    entries.set(key, { value, expiresAt, bytes: size });
    bytes += size;
    while (entries.size > maxEntries || bytes > maxBytes) {
      const [oldestKey, oldest] = entries.entries().next().value!;
      remove(oldestKey, oldest);
    }
  };

  const read = (key: string, at: number): string | undefined => {
    const entry = live(key, at);
    if (entry === undefined) return undefined;
    touch(key, entry);
    return entry.value;
  };

  const sweep = (limit = sweepBatch): number => {
    const at = now();
    let removed = 0;
    for (let examined = 0; examined < limit; examined += 1) {
      cursor ??= entries.entries();
      const next = cursor.next();
      if (next.done === true) {
        cursor = undefined;
        break;
      }
      const [key, entry] = next.value;
      if (entry.expiresAt <= at) {
        remove(key, entry);
        removed += 1;
      }
    }
    return removed;
  };

  const sweepIntervalMs = options.sweepIntervalMs ?? 5000;
  const timer =
    sweepIntervalMs > 0
      ? setInterval(() => {
          sweep();
        }, sweepIntervalMs).unref()
      : undefined;

  return {
    get: (key) => run(() => read(key, now())),

    getMany: (keys) =>
      run(() => {
        const at = now();
        return keys.map((key) => read(key, at));
      }),

    set: (key, value, setOptions: SetOptions = {}) =>
      run(() => {
        const ttl = setOptions.ttlMs === undefined ? undefined : ttlMillis(setOptions.ttlMs);
        store(key, value, ttl === undefined ? Infinity : now() + ttl);
      }),

    setIfAbsent: (key, value, { ttlMs }) =>
      run(() => {
        const ttl = ttlMillis(ttlMs);
        const at = now();
        if (live(key, at) !== undefined) return false;
        store(key, value, at + ttl);
        return true;
      }),

    delete: (keys) =>
      run(() => {
        const at = now();
        let existed = 0;
        for (const key of keys) {
          const entry = live(key, at);
          if (entry === undefined) continue;
          remove(key, entry);
          existed += 1;
        }
        return existed;
      }),

    increment: (key, by = 1, incrementOptions = {}) =>
      run(() => {
        const step = incrementStep(by);
        const ttl =
          incrementOptions.ttlMs === undefined ? undefined : ttlMillis(incrementOptions.ttlMs);
        const at = now();
        const entry = live(key, at);
        if (entry === undefined) {
          store(key, String(step), ttl === undefined ? Infinity : at + ttl);
          return step;
        }
        const current = INTEGER_TEXT.test(entry.value) ? Number(entry.value) : Number.NaN;
        const next = current + step;
        if (!Number.isSafeInteger(current) || !Number.isSafeInteger(next)) {
          throw new RangeError(`value of "${key}" is not an integer or would overflow`);
        }
        store(key, String(next), entry.expiresAt);
        return next;
      }),

    ttlMs: (key) =>
      run(() => {
        const at = now();
        const entry = live(key, at);
        if (entry === undefined || entry.expiresAt === Infinity) return undefined;
        return Math.ceil(entry.expiresAt - at);
      }),

    close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      entries.clear();
      bytes = 0;
      cursor = undefined;
      return Promise.resolve();
    },

    stats() {
      return { entries: entries.size, bytes };
    },

    sweep,
  };
}
