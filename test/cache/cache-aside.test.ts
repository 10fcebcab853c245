// Cache-aside on the in-process adapters (the real ones, not fakes) with a
// controlled clock: hits and misses, single-flight, stale-while-revalidate,
// jitter, version floors against a racing loader, cross-instance
// invalidation over pub/sub, and reads that survive a failing store.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryKeyValueStore } from '../../src/adapters/kv/memory.ts';
import { createMemoryPubSub } from '../../src/adapters/pubsub/memory.ts';
import type { KeyValueStore } from '../../src/ports/kv.ts';
import type { PubSub } from '../../src/ports/pubsub.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { CacheAside, type CacheOptions } from '../../src/platform/cache/cache-aside.ts';

interface Item {
  readonly id: string;
  readonly version: number;
}

const logger = createLogger({ level: 'silent' });

function setup(overrides: Partial<CacheOptions<Item>> = {}) {
  const clock = { now: 1_000_000 };
  const kv = overrides.kv ?? createMemoryKeyValueStore();
  const pubsub = overrides.pubsub ?? createMemoryPubSub({ logger });
  const make = () =>
    new CacheAside<Item>({
      kv,
      pubsub,
      namespace: 'items',
      ttlMs: 10_000,
      staleMs: 5_000,
      jitter: 0,
      localTtlMs: 2_000,
      versionOf: (item) => item.version,
      logger,
      now: () => clock.now,
      ...overrides,
    });
  return { clock, kv, pubsub, make };
}

/** A source whose loads can be counted and held open. */
function source(initial: Item) {
  let current = initial;
  let loads = 0;
  return {
    get loads() {
      return loads;
    },
    set(item: Item) {
      current = item;
    },
    load: async (): Promise<Item | undefined> => {
      loads += 1;
      await Promise.resolve();
      return current;
    },
  };
}

/** Lets memory pub/sub (delivered on a later turn) reach its subscribers. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('cache-aside', () => {
  test('a miss loads once, then hits come from memory', async () => {
    const { make } = setup();
    const cache = make();
    const db = source({ id: '1', version: 1 });
    assert.deepEqual(await cache.get('1', db.load), { id: '1', version: 1 });
    assert.deepEqual(await cache.get('1', db.load), { id: '1', version: 1 });
    assert.equal(db.loads, 1);
    assert.equal(cache.stats.misses, 1);
    assert.equal(cache.stats.hits, 1);
    assert.equal(cache.stats.localHits, 1);
  });

  test('single-flight: 1,000 concurrent misses load once', async () => {
    const { make } = setup();
    const cache = make();
    const db = source({ id: '1', version: 1 });
    const results = await Promise.all(Array.from({ length: 1000 }, () => cache.get('1', db.load)));
    assert.equal(db.loads, 1);
    assert.ok(results.every((item) => item?.version === 1));
    assert.equal(cache.stats.coalesced, 999);
  });

  test('a stale entry is served at once while one load refreshes it', async () => {
    const { make, clock } = setup();
    const writer = make();
    const db = source({ id: '1', version: 1 });
    await writer.get('1', db.load);
    db.set({ id: '1', version: 2 });
    clock.now += 11_000; // past fresh (10 s), inside stale (5 s more)
    const reader = make(); // a second instance: no L1 copy
    assert.equal((await reader.get('1', db.load))?.version, 1);
    assert.equal(reader.stats.staleServed, 1);
    await delivered();
    assert.equal((await reader.get('1', db.load))?.version, 2);
    assert.equal(db.loads, 2);
    clock.now += 20_000; // past stale as well: a plain miss
    assert.equal((await make().get('1', db.load))?.version, 2);
    assert.equal(db.loads, 3);
  });

  test('TTLs are jittered within ±jitter', async () => {
    const values = [0, 0.5, 1];
    const ttls: number[] = [];
    for (const random of values) {
      const kv = createMemoryKeyValueStore();
      const { make } = setup({ kv, jitter: 0.2, random: () => random });
      await make().get('1', source({ id: '1', version: 1 }).load);
      ttls.push((await kv.ttlMs('cache:items:1'))!);
    }
    // ttl + stale: 8 s + 5 s, 10 s + 5 s, 12 s + 5 s (give or take the store's clock)
    assert.ok(Math.abs(ttls[0]! - 13_000) < 100, String(ttls));
    assert.ok(Math.abs(ttls[1]! - 15_000) < 100, String(ttls));
    assert.ok(Math.abs(ttls[2]! - 17_000) < 100, String(ttls));
  });

  test('invalidation reaches the other instance; nobody serves the old version', async () => {
    const { make } = setup();
    const a = make();
    const b = make();
    await a.start();
    await b.start();
    const db = source({ id: '1', version: 1 });
    await a.get('1', db.load);
    await b.get('1', db.load);
    db.set({ id: '1', version: 2 });
    await a.invalidate('1', 2);
    await delivered();
    assert.equal((await b.get('1', db.load))?.version, 2);
    assert.equal((await a.get('1', db.load))?.version, 2);
    await a.stop();
    await b.stop();
  });

  test('a load that raced a write cannot put the old version back', async () => {
    const { make } = setup();
    const writer = make();
    const racer = make();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The racer read version 1 before the write committed, and is slow to store it.
    const slowOld = async () => {
      await gate;
      return { id: '1', version: 1 };
    };
    const pending = racer.get('1', slowOld);
    await writer.invalidate('1', 2); // the write of version 2 committed
    release();
    assert.equal((await pending)?.version, 1, 'the racer itself returns what it read');
    const db = source({ id: '1', version: 2 });
    assert.equal((await make().get('1', db.load))?.version, 2, 'but the cache does not keep it');
    assert.equal(db.loads, 1);
  });

  test('a failing store never fails a read: the source answers', async () => {
    const broken: KeyValueStore = {
      ...createMemoryKeyValueStore(),
      get: () => Promise.reject(new Error('down')),
      getMany: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    };
    const brokenPubSub: PubSub = {
      publish: () => Promise.reject(new Error('down')),
      subscribe: () => Promise.reject(new Error('down')),
      close: () => Promise.resolve(),
    };
    const { make } = setup({ kv: broken, pubsub: brokenPubSub });
    const cache = make();
    await cache.start();
    const db = source({ id: '1', version: 1 });
    assert.equal((await cache.get('1', db.load))?.version, 1);
    await cache.invalidate('1', 2);
    db.set({ id: '1', version: 2 });
    assert.equal((await cache.get('1', db.load))?.version, 2);
    assert.ok(cache.stats.errors >= 3);
  });
});
