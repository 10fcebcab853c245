// The in-process store against the KeyValueStore contract, then what only it
// promises: LRU eviction by entry count and by bytes, reads refreshing
// recency, oversized values refused, expired entries swept without reads.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryKeyValueStore } from '../../src/adapters/kv/memory.ts';
import { runKeyValueContract } from '../../src/ports/kv.contract.ts';

runKeyValueContract('memory', () =>
  Promise.resolve({ kv: createMemoryKeyValueStore(), close: () => Promise.resolve() }),
);

/** A store on a clock the test moves by hand. */
function onManualClock(options: Parameters<typeof createMemoryKeyValueStore>[0] = {}) {
  const clock = { now: 1_000 };
  const kv = createMemoryKeyValueStore({ sweepIntervalMs: 0, now: () => clock.now, ...options });
  return { kv, clock };
}

describe('memory key-value store', () => {
  test('evicts the least recently used entries beyond maxEntries', async () => {
    const { kv } = onManualClock({ maxEntries: 3 });
    await kv.set('a', '1');
    await kv.set('b', '2');
    await kv.set('c', '3');
    await kv.set('d', '4');
    assert.deepEqual(await kv.getMany(['a', 'b', 'c', 'd']), [undefined, '2', '3', '4']);
    assert.equal(kv.stats().entries, 3);
    await kv.close();
  });

  test('a read or a write makes an entry recently used', async () => {
    const { kv } = onManualClock({ maxEntries: 3 });
    await kv.set('a', '1');
    await kv.set('b', '2');
    await kv.set('c', '3');
    assert.equal(await kv.get('a'), '1');
    await kv.increment('counter');
    assert.deepEqual(await kv.getMany(['a', 'b', 'c', 'counter']), ['1', undefined, '3', '1']);
    await kv.set('c', 'again');
    await kv.set('e', '5');
    assert.deepEqual(await kv.getMany(['a', 'c', 'counter', 'e']), [undefined, 'again', '1', '5']);
    await kv.close();
  });

  test('evicts by estimated bytes, and keeps the total within maxBytes', async () => {
    const { kv } = onManualClock({ maxBytes: 4_000 });
    for (let index = 0; index < 10; index += 1) await kv.set(`k${index}`, 'v'.repeat(500));
    const { entries, bytes } = kv.stats();
    assert.ok(bytes <= 4_000, `${bytes} bytes`);
    assert.ok(entries >= 2 && entries < 10, `${entries} entries`);
    // The newest survive, the oldest went first.
    assert.equal(await kv.get('k9'), 'v'.repeat(500));
    assert.equal(await kv.get('k0'), undefined);
    // Replacing a value with a smaller one frees its bytes.
    await kv.set('k9', '');
    assert.ok(kv.stats().bytes < bytes);
    await kv.close();
  });

  test('refuses a value larger than the whole byte budget and keeps the old one', async () => {
    const { kv } = onManualClock({ maxBytes: 1_000 });
    await kv.set('big', 'small');
    await assert.rejects(kv.set('big', 'x'.repeat(1_000)), RangeError);
    assert.equal(await kv.get('big'), 'small');
    await kv.close();
  });

  test('expires exactly at the deadline on its clock', async () => {
    const { kv, clock } = onManualClock();
    await kv.set('k', 'v', { ttlMs: 100 });
    clock.now += 99;
    assert.equal(await kv.get('k'), 'v');
    assert.equal(await kv.ttlMs('k'), 1);
    clock.now += 1;
    assert.equal(await kv.get('k'), undefined);
    await kv.close();
  });

  test('a sweep removes expired entries nobody reads, a bounded batch at a time', async () => {
    const { kv, clock } = onManualClock({ sweepBatch: 4 });
    for (let index = 0; index < 10; index += 1) await kv.set(`short${index}`, 'x', { ttlMs: 10 });
    await kv.set('long', 'y', { ttlMs: 1_000 });
    clock.now += 10;
    assert.equal(kv.stats().entries, 11);
    assert.equal(kv.sweep(), 4);
    let removed = 4;
    while (kv.stats().entries > 1) removed += kv.sweep();
    assert.equal(removed, 10);
    assert.equal(await kv.get('long'), 'y');
    await kv.close();
  });

  test('the sweep timer runs by itself', async () => {
    const kv = createMemoryKeyValueStore({ sweepIntervalMs: 5 });
    await kv.set('short', 'x', { ttlMs: 1 });
    const deadline = performance.now() + 5_000;
    while (kv.stats().entries > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.equal(kv.stats().entries, 0);
    await kv.close();
  });

  test('rejects every call once closed', async () => {
    const kv = createMemoryKeyValueStore();
    await kv.close();
    await assert.rejects(kv.get('k'), /closed/);
    await assert.rejects(kv.set('k', 'v'), /closed/);
    await assert.rejects(kv.increment('k'), /closed/);
  });

  test('rejects bounds that are not positive integers', () => {
    assert.throws(() => createMemoryKeyValueStore({ maxEntries: 0 }), RangeError);
    assert.throws(() => createMemoryKeyValueStore({ maxBytes: 1.5 }), RangeError);
  });
});
