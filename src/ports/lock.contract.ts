// The LockManager contract: one suite every adapter must pass. An adapter's
// test file is a call: `runLockContract('redis', open)`.
//
// Every case uses lock names of its own (random), so suites can share one
// Redis or database with other test processes. Expiry is awaited by polling
// with a deadline, never by sleeping for a guessed duration; the only waits
// are for time to pass beyond a ttl in cases that assert the lock outlived it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { eventually } from '../../test/support/eventually.ts';
import { withLock, type LockManager } from './lock.ts';

export interface LockManagerUnderTest {
  readonly locks: LockManager;
  /**
   * A second manager on the same store over its own connection where the
   * adapter has one (Redis, PostgreSQL): another instance of the service.
   */
  readonly peer: LockManager;
  /** Makes the current lease of `name` run out now, as if its holder had stalled. */
  readonly expire: (name: string) => Promise<void>;
  /** Releases whatever `open` created. */
  close(): Promise<void>;
}

/** A short ttl the suite waits out by polling. */
const SHORT_TTL_MS = 150;
/** A ttl no case outlives. */
const LONG_TTL_MS = 60_000;
/**
 * The ttl of the renewal case: renewals run every third of it, so only an
 * event-loop stall of two thirds of it (over a second) could let it lapse —
 * room for a loaded machine, where 150 ms was not.
 */
const RENEWED_TTL_MS = 1800;

export function runLockContract(name: string, open: () => Promise<LockManagerUnderTest>): void {
  void describe(`LockManager contract: ${name}`, () => {
    let under: LockManagerUnderTest | undefined;
    let opening: Promise<unknown> | undefined;

    before(async () => {
      opening = (async () => {
        under = await open();
      })();
      await opening;
    });
    after(async () => {
      await opening?.catch(() => undefined);
      if (under === undefined) return;
      await under.peer.close();
      await under.locks.close();
      await under.close();
    });

    const store = (): LockManagerUnderTest => {
      assert.ok(under, 'the store opens in before()');
      return under;
    };
    const lockName = (label = 'lock') => `contract.${label}.${randomUUID()}`;
    const takenBy = async (manager: LockManager, lock: string) => {
      const lease = await manager.acquire(lock, { ttlMs: LONG_TTL_MS });
      await lease?.release();
      return lease === undefined;
    };

    void it('is exclusive: a held lock cannot be acquired, by anyone', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      const lease = await locks.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(lease);
      assert.equal(lease.name, lock);
      assert.equal(await locks.acquire(lock, { ttlMs: LONG_TTL_MS }), undefined);
      assert.equal(await peer.acquire(lock, { ttlMs: LONG_TTL_MS }), undefined);
      // Other names are independent.
      const other = await peer.acquire(lockName(), { ttlMs: LONG_TTL_MS });
      assert.ok(other);
      await other.release();
      await lease.release();
    });

    void it('can be acquired again once released, with a new token', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      const first = await locks.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(first);
      await first.release();
      const second = await peer.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(second);
      assert.notEqual(second.token, first.token);
      // Releasing twice, or a released lease, changes nothing.
      await first.release();
      assert.equal(await first.extend(LONG_TTL_MS), false);
      assert.ok(await takenBy(locks, lock));
      await second.release();
      await second.release();
    });

    void it('lets another instance take it once the lease ran out', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      const stale = await locks.acquire(lock, { ttlMs: SHORT_TTL_MS });
      assert.ok(stale);
      let taken: Awaited<ReturnType<LockManager['acquire']>>;
      await eventually('the lease runs out', async () => {
        taken = await peer.acquire(lock, { ttlMs: LONG_TTL_MS });
        return taken !== undefined;
      });
      await taken!.release();
    });

    void it('fences a stale holder: it can neither extend nor release the new lease', async () => {
      const { locks, peer, expire } = store();
      const lock = lockName();
      const stale = await locks.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(stale);
      await expire(lock);
      // Run out but not yet taken: extending does not revive it.
      assert.equal(await stale.extend(LONG_TTL_MS), false);
      const current = await peer.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(current);
      assert.equal(await stale.extend(LONG_TTL_MS), false);
      await stale.release();
      assert.ok(await takenBy(locks, lock), 'the stale release freed the new lease');
      assert.equal(await current.extend(LONG_TTL_MS), true);
      await current.release();
      assert.equal(await takenBy(locks, lock), false);
    });

    void it('extend keeps the lock past its first ttl', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      const lease = await locks.acquire(lock, { ttlMs: SHORT_TTL_MS });
      assert.ok(lease);
      assert.equal(await lease.extend(LONG_TTL_MS), true);
      await delay(SHORT_TTL_MS * 3);
      assert.ok(await takenBy(peer, lock));
      assert.equal(await lease.extend(SHORT_TTL_MS), true);
      await lease.release();
    });

    void it('concurrent acquirers: exactly one wins', async () => {
      const { locks, peer } = store();
      for (let round = 0; round < 5; round += 1) {
        const lock = lockName(`race${round}`);
        const leases = await Promise.all(
          Array.from({ length: 12 }, (_unused, index) =>
            (index % 2 === 0 ? locks : peer).acquire(lock, { ttlMs: LONG_TTL_MS }),
          ),
        );
        const winners = leases.filter((lease) => lease !== undefined);
        assert.equal(winners.length, 1);
        await winners[0]!.release();
      }
    });

    void it('concurrent takeovers of an expired lock: exactly one wins', async () => {
      const { locks, peer, expire } = store();
      const lock = lockName();
      const stale = await locks.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(stale);
      await expire(lock);
      const leases = await Promise.all(
        Array.from({ length: 12 }, (_unused, index) =>
          (index % 2 === 0 ? locks : peer).acquire(lock, { ttlMs: LONG_TTL_MS }),
        ),
      );
      const winners = leases.filter((lease) => lease !== undefined);
      assert.equal(winners.length, 1);
      await winners[0]!.release();
    });

    void it('withLock renews the lease while fn runs past the ttl, then releases', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      let probes = 0;
      const result = await withLock(locks, lock, { ttlMs: RENEWED_TTL_MS }, async (signal) => {
        const started = performance.now();
        // Well past the ttl, checking that nobody else can get in meanwhile.
        while (performance.now() - started < RENEWED_TTL_MS * 2.5) {
          assert.ok(await takenBy(peer, lock), 'the lease lapsed while fn ran');
          probes += 1;
          await delay(RENEWED_TTL_MS / 6);
        }
        assert.equal(signal.aborted, false);
        return 'done';
      });
      assert.deepEqual(result, { ran: true, value: 'done' });
      assert.ok(probes >= 3, `${probes} probes`);
      assert.equal(await takenBy(peer, lock), false, 'withLock did not release');
    });

    void it('withLock does not run fn when the lock is held', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      const lease = await peer.acquire(lock, { ttlMs: LONG_TTL_MS });
      assert.ok(lease);
      let ran = false;
      const result = await withLock(locks, lock, { ttlMs: LONG_TTL_MS }, () => {
        ran = true;
        return Promise.resolve();
      });
      assert.deepEqual(result, { ran: false });
      assert.equal(ran, false);
      await lease.release();
    });

    void it('withLock aborts the signal when the lease is lost', async () => {
      const { locks, peer, expire } = store();
      const lock = lockName();
      let thief: Awaited<ReturnType<LockManager['acquire']>>;
      const result = await withLock(locks, lock, { ttlMs: SHORT_TTL_MS * 2 }, async (signal) => {
        await expire(lock);
        thief = await peer.acquire(lock, { ttlMs: LONG_TTL_MS });
        assert.ok(thief);
        await eventually('the signal is aborted', () => signal.aborted);
        assert.match((signal.reason as Error).message, /lost the lock/);
        return 'stopped';
      });
      assert.deepEqual(result, { ran: true, value: 'stopped' });
      // withLock's release did not free the thief's lease.
      assert.ok(await takenBy(locks, lock));
      await thief!.release();
    });

    void it('withLock releases when fn throws, and passes the error on', async () => {
      const { locks, peer } = store();
      const lock = lockName();
      await assert.rejects(
        withLock(locks, lock, { ttlMs: LONG_TTL_MS }, () => Promise.reject(new Error('boom'))),
        /boom/,
      );
      assert.equal(await takenBy(peer, lock), false);
    });

    void it('refuses invalid names and ttls', async () => {
      const { locks } = store();
      await assert.rejects(locks.acquire('', { ttlMs: 1000 }), TypeError);
      await assert.rejects(locks.acquire('has space', { ttlMs: 1000 }), TypeError);
      await assert.rejects(locks.acquire('{tag}', { ttlMs: 1000 }), TypeError);
      await assert.rejects(locks.acquire(lockName(), { ttlMs: 0 }), RangeError);
      await assert.rejects(locks.acquire(lockName(), { ttlMs: 1.5 }), RangeError);
    });
  });
}
