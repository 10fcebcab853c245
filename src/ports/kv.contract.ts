// The KeyValueStore contract: one suite every adapter must pass, so code
// written against the in-process store behaves the same on Redis. An
// adapter's test file is a call: `runKeyValueContract('memory', open)`.
//
// Every case works under keys of its own (a random namespace) and deletes
// what it wrote, so suites can share one Redis with other test processes and
// cases can run in any order. Expiry is awaited by polling with a deadline,
// never by sleeping for a guessed duration.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { eventually } from '../../test/support/eventually.ts';
import type { KeyValueStore } from './kv.ts';

export interface KeyValueStoreUnderTest {
  readonly kv: KeyValueStore;
  /** Releases whatever `open` created (connections, leftovers). */
  close(): Promise<void>;
}

export interface KeyValueContractOptions {
  /**
   * Opens a second store on the same data over its own connection (Redis),
   * to prove that state is shared and races are decided across clients.
   * Absent for in-process stores.
   */
  readonly openPeer?: () => Promise<KeyValueStoreUnderTest>;
}

/** A short TTL the suite waits out by polling. */
const SHORT_TTL_MS = 60;
/** A TTL no case outlives. */
const LONG_TTL_MS = 60_000;

export function runKeyValueContract(
  name: string,
  open: () => Promise<KeyValueStoreUnderTest>,
  options: KeyValueContractOptions = {},
): void {
  void describe(`KeyValueStore contract: ${name}`, () => {
    let under: KeyValueStoreUnderTest | undefined;
    let peer: KeyValueStoreUnderTest | undefined;
    let opening: Promise<unknown> | undefined;
    const written = new Set<string>();

    // `after` waits for the opening itself: node:test may run it before `before` finished.
    before(async () => {
      opening = (async () => {
        under = await open();
        peer = await options.openPeer?.();
      })();
      await opening;
    });
    afterEach(async () => {
      if (under !== undefined && written.size > 0) await under.kv.delete([...written]);
      written.clear();
    });
    after(async () => {
      await opening?.catch(() => undefined);
      for (const opened of [peer, under]) {
        await opened?.kv.close();
        await opened?.close();
      }
    });

    const kv = (): KeyValueStore => {
      assert.ok(under, 'the store opens in before()');
      return under.kv;
    };
    /** A key of this case's own, deleted after it. */
    const key = (label = 'k'): string => {
      const unique = `contract:${randomUUID()}:${label}`;
      written.add(unique);
      return unique;
    };
    const expired = (k: string) =>
      eventually(`${k} expired`, async () => (await kv().get(k)) === undefined);

    void it('returns what was set, undefined for a missing key, and overwrites', async () => {
      const k = key();
      assert.equal(await kv().get(k), undefined);
      await kv().set(k, 'one');
      assert.equal(await kv().get(k), 'one');
      await kv().set(k, 'two');
      assert.equal(await kv().get(k), 'two');
    });

    void it('keeps values exactly: empty, non-ASCII, JSON, large', async () => {
      const values = [
        '',
        'Grüße – ✓ 確認 🚀',
        JSON.stringify({ a: [1, 'x'], b: null }),
        'x'.repeat(200_000),
      ];
      const keys = values.map((_value, index) => key(`v${index}`));
      for (const [index, value] of values.entries()) await kv().set(keys[index]!, value);
      for (const [index, value] of values.entries())
        assert.equal(await kv().get(keys[index]!), value);
    });

    void it('getMany answers in the order asked, undefined for missing keys', async () => {
      const [a, b, c, missing] = [key('a'), key('b'), key('c'), key('missing')];
      await kv().set(a, 'A');
      await kv().set(b, 'B');
      await kv().set(c, 'C');
      assert.deepEqual(await kv().getMany([c, missing, a, b, a]), ['C', undefined, 'A', 'B', 'A']);
      assert.deepEqual(await kv().getMany([]), []);
    });

    void it('reports the remaining TTL, and none for missing keys or keys without expiry', async () => {
      const [withTtl, without, missing] = [key('ttl'), key('plain'), key('missing')];
      await kv().set(withTtl, 'x', { ttlMs: LONG_TTL_MS });
      await kv().set(without, 'y');
      const remaining = await kv().ttlMs(withTtl);
      assert.ok(
        remaining !== undefined && remaining > LONG_TTL_MS - 10_000 && remaining <= LONG_TTL_MS,
        `${remaining}`,
      );
      assert.equal(await kv().ttlMs(without), undefined);
      assert.equal(await kv().ttlMs(missing), undefined);
    });

    void it('set without a TTL clears an earlier one; set with a TTL replaces it', async () => {
      const k = key();
      await kv().set(k, 'x', { ttlMs: LONG_TTL_MS });
      await kv().set(k, 'y');
      assert.equal(await kv().ttlMs(k), undefined);
      await kv().set(k, 'z', { ttlMs: 5_000 });
      const remaining = await kv().ttlMs(k);
      assert.ok(remaining !== undefined && remaining <= 5_000, `${remaining}`);
    });

    void it('never returns an entry whose TTL ran out', async () => {
      const [short, long, plain] = [key('short'), key('long'), key('plain')];
      await kv().set(short, 'gone soon', { ttlMs: SHORT_TTL_MS });
      await kv().set(long, 'stays', { ttlMs: LONG_TTL_MS });
      await kv().set(plain, 'stays too');
      await expired(short);
      assert.deepEqual(await kv().getMany([short, long, plain]), [undefined, 'stays', 'stays too']);
      assert.equal(await kv().ttlMs(short), undefined);
      assert.equal(await kv().delete([short]), 0);
    });

    void it('setIfAbsent sets only a missing key, and keeps the value there', async () => {
      const k = key('lock');
      assert.equal(await kv().setIfAbsent(k, 'first', { ttlMs: LONG_TTL_MS }), true);
      assert.equal(await kv().setIfAbsent(k, 'second', { ttlMs: LONG_TTL_MS }), false);
      assert.equal(await kv().get(k), 'first');
      const remaining = await kv().ttlMs(k);
      assert.ok(remaining !== undefined && remaining <= LONG_TTL_MS, `${remaining}`);
    });

    void it('setIfAbsent succeeds again once the TTL of the holder ran out', async () => {
      // Nothing here depends on the short TTL not having run out yet: a loaded machine may be slow.
      const k = key('lease');
      assert.equal(await kv().setIfAbsent(k, 'first', { ttlMs: SHORT_TTL_MS }), true);
      await expired(k);
      assert.equal(await kv().setIfAbsent(k, 'second', { ttlMs: LONG_TTL_MS }), true);
      assert.equal(await kv().get(k), 'second');
    });

    void it('setIfAbsent under a race: exactly one of many concurrent callers wins', async () => {
      const k = key('race');
      const stores = [kv(), peer?.kv ?? kv()];
      const callers = Array.from({ length: 50 }, (_unused, index) => `caller-${index}`);
      const results = await Promise.all(
        callers.map((caller, index) =>
          stores[index % stores.length]!.setIfAbsent(k, caller, { ttlMs: LONG_TTL_MS }),
        ),
      );
      const winners = callers.filter((_caller, index) => results[index]);
      assert.equal(winners.length, 1);
      assert.equal(await kv().get(k), winners[0]);
    });

    void it('delete removes the keys and counts only those that existed', async () => {
      const [a, b, missing] = [key('a'), key('b'), key('missing')];
      await kv().set(a, '1');
      await kv().set(b, '2', { ttlMs: LONG_TTL_MS });
      assert.equal(await kv().delete([a, missing, b, a]), 2);
      assert.deepEqual(await kv().getMany([a, b]), [undefined, undefined]);
      assert.equal(await kv().delete([a, b]), 0);
      assert.equal(await kv().delete([]), 0);
    });

    void it('increment creates the key at 0, adds, and subtracts', async () => {
      const k = key('counter');
      assert.equal(await kv().increment(k), 1);
      assert.equal(await kv().increment(k, 5), 6);
      assert.equal(await kv().increment(k, -10), -4);
      assert.equal(await kv().get(k), '-4');
      assert.equal(await kv().ttlMs(k), undefined);
      const counted = key('from-set');
      await kv().set(counted, '41');
      assert.equal(await kv().increment(counted), 42);
    });

    void it('increment applies its TTL only when it creates the key', async () => {
      const k = key('window');
      assert.equal(await kv().increment(k, 1, { ttlMs: 5_000 }), 1);
      assert.equal(await kv().increment(k, 1, { ttlMs: LONG_TTL_MS }), 2);
      const remaining = await kv().ttlMs(k);
      assert.ok(remaining !== undefined && remaining <= 5_000, `TTL was replaced: ${remaining}`);

      const plain = key('plain');
      await kv().set(plain, '10');
      assert.equal(await kv().increment(plain, 1, { ttlMs: 5_000 }), 11);
      assert.equal(await kv().ttlMs(plain), undefined);
    });

    void it('a counter whose TTL ran out starts again from 0', async () => {
      const k = key('window');
      assert.equal(await kv().increment(k, 3, { ttlMs: SHORT_TTL_MS }), 3);
      await expired(k);
      assert.equal(await kv().increment(k, 1, { ttlMs: LONG_TTL_MS }), 1);
    });

    void it('increment is atomic under concurrency: no update is lost', async () => {
      const k = key('hits');
      const stores = [kv(), peer?.kv ?? kv()];
      const results = await Promise.all(
        Array.from({ length: 200 }, (_unused, index) =>
          stores[index % stores.length]!.increment(k, 1, { ttlMs: LONG_TTL_MS }),
        ),
      );
      assert.deepEqual(
        [...results].sort((x, y) => x - y),
        Array.from({ length: 200 }, (_unused, index) => index + 1),
      );
      assert.equal(await kv().get(k), '200');
    });

    void it('increment rejects a value that is not an integer and leaves it alone', async () => {
      const k = key();
      await kv().set(k, 'not a number');
      await assert.rejects(kv().increment(k));
      await kv().set(k, '1.5');
      await assert.rejects(kv().increment(k));
      assert.equal(await kv().get(k), '1.5');
    });

    void it('rejects TTLs that are not positive and increments that are not integers', async () => {
      const k = key();
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(kv().set(k, 'x', { ttlMs }), RangeError);
        await assert.rejects(kv().setIfAbsent(k, 'x', { ttlMs }), RangeError);
        await assert.rejects(kv().increment(k, 1, { ttlMs }), RangeError);
      }
      await assert.rejects(kv().increment(k, 1.5), RangeError);
      assert.equal(await kv().get(k), undefined);
    });

    if (options.openPeer !== undefined) {
      void it('shares state with a second store on the same data', async () => {
        const other = peer!.kv;
        const k = key('shared');
        await kv().set(k, 'from the first', { ttlMs: LONG_TTL_MS });
        assert.equal(await other.get(k), 'from the first');
        assert.equal(await other.setIfAbsent(k, 'from the second', { ttlMs: LONG_TTL_MS }), false);
        const counter = key('counter');
        assert.equal(await other.increment(counter), 1);
        assert.equal(await kv().increment(counter), 2);
        assert.equal(await other.delete([k]), 1);
        assert.equal(await kv().get(k), undefined);
      });
    }
  });
}
