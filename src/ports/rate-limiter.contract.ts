// The RateLimiter contract: one suite every adapter must pass, so a limit
// behaves the same on one instance (memory) as on a fleet (Redis). An
// adapter's test file is a call: `runRateLimiterContract('memory', open)`.
//
// Time: the memory adapter runs on a fake clock (`elapse` moves it, exactly);
// Redis decides by its own clock, so there `elapse` really waits and `now`
// reads Redis's TIME. Cases are written to hold either way: small windows,
// margins far wider than scheduling jitter, and bounded polling where a real
// clock is involved — never a sleep whose exact length decides the outcome.
//
// Every case uses its own random keys, so cases cannot see each other's state
// (and Redis adapters can share one server with other test processes).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RateLimitDecision, RateLimiter, RateLimitPolicy } from './rate-limiter.ts';

export interface RateLimiterUnderTest {
  readonly limiter: RateLimiter;
  /**
   * Limiters sharing `limiter`'s state through their own connections (the
   * same object for the memory adapter): concurrency cases spread over them.
   */
  readonly peers: readonly RateLimiter[];
  /** True when `elapse` moves a fake clock exactly; false on a real clock. */
  readonly exactClock: boolean;
  /** The clock the adapter decides by, in ms since the epoch. */
  now(): Promise<number>;
  /** Lets at least `ms` pass on that clock. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

const MINUTE = 60_000;

function policy(
  algorithm: RateLimitPolicy['algorithm'],
  limit: number,
  windowMs: number,
): RateLimitPolicy {
  return { name: `contract-${algorithm}`, algorithm, limit, windowMs };
}

export function runRateLimiterContract(
  name: string,
  open: () => Promise<RateLimiterUnderTest>,
): void {
  void describe(`RateLimiter contract: ${name}`, () => {
    let under: RateLimiterUnderTest;
    before(async () => {
      under = await open();
    });
    after(async () => {
      await under.close();
    });
    const key = () => `key-${randomUUID()}`;

    /**
     * Consumes until allowed: on a fake clock the first call must already be
     * allowed; on a real one, poll a bounded number of times.
     */
    const allowedSoon = async (
      k: string,
      p: RateLimitPolicy,
      cost = 1,
    ): Promise<RateLimitDecision> => {
      const attempts = under.exactClock ? 1 : 100;
      let last: RateLimitDecision | undefined;
      for (let attempt = 0; attempt < attempts; attempt++) {
        last = await under.limiter.consume(k, p, cost);
        if (last.allowed) return last;
        await under.elapse(Math.max(5, Math.min(last.retryAfterMs, 50)));
      }
      assert.fail(`still refused after ${attempts} attempts: ${JSON.stringify(last)}`);
    };

    for (const algorithm of ['token-bucket', 'sliding-window'] as const) {
      void it(`${algorithm}: a burst up to the limit, then refusal`, async () => {
        const p = policy(algorithm, 5, MINUTE);
        const k = key();
        for (let i = 1; i <= 5; i++) {
          const decision = await under.limiter.consume(k, p);
          assert.equal(decision.allowed, true, `call ${i}`);
          assert.equal(decision.limit, 5);
          assert.equal(decision.remaining, 5 - i);
          assert.equal(decision.retryAfterMs, 0);
          assert.ok(decision.resetMs > 0 && decision.resetMs <= 2 * MINUTE, `${decision.resetMs}`);
        }
        const refused = await under.limiter.consume(k, p);
        assert.equal(refused.allowed, false);
        assert.equal(refused.remaining, 0);
        assert.ok(refused.retryAfterMs > 0, `${refused.retryAfterMs}`);
        // A token bucket frees one unit every window / limit.
        const bound = algorithm === 'token-bucket' ? MINUTE / 5 : 2 * MINUTE;
        assert.ok(refused.retryAfterMs <= bound, `${refused.retryAfterMs}`);
      });

      void it(`${algorithm}: costs above one; a refused call consumes nothing`, async () => {
        const p = policy(algorithm, 10, MINUTE);
        const k = key();
        assert.equal((await under.limiter.consume(k, p, 4)).remaining, 6);
        assert.equal((await under.limiter.consume(k, p, 4)).remaining, 2);
        const refused = await under.limiter.consume(k, p, 4);
        assert.equal(refused.allowed, false);
        assert.equal(refused.remaining, 2);
        const rest = await under.limiter.consume(k, p, 2);
        assert.equal(rest.allowed, true);
        assert.equal(rest.remaining, 0);
        assert.equal((await under.limiter.consume(k, p, 1)).allowed, false);
      });

      void it(`${algorithm}: keys and policies do not share state`, async () => {
        const p = policy(algorithm, 2, MINUTE);
        const other: RateLimitPolicy = { ...p, name: `${p.name}-other` };
        const a = key();
        await under.limiter.consume(a, p, 2);
        assert.equal((await under.limiter.consume(a, p)).allowed, false);
        const b = await under.limiter.consume(key(), p);
        assert.deepEqual([b.allowed, b.remaining], [true, 1]);
        const sameKeyOtherPolicy = await under.limiter.consume(a, other);
        assert.deepEqual([sameKeyOtherPolicy.allowed, sameKeyOtherPolicy.remaining], [true, 1]);
      });

      void it(`${algorithm}: 100 concurrent calls against a limit of 10 → exactly 10 allowed`, async () => {
        const p = policy(algorithm, 10, MINUTE);
        const k = key();
        const decisions = await Promise.all(
          Array.from({ length: 100 }, (_, i) => under.peers[i % under.peers.length]!.consume(k, p)),
        );
        assert.equal(decisions.filter((decision) => decision.allowed).length, 10);
        const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
        assert.deepEqual(
          remaining.sort((x, y) => x - y),
          [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        );
      });

      void it(`${algorithm}: a bad cost or policy throws instead of deciding`, async () => {
        const p = policy(algorithm, 3, MINUTE);
        await assert.rejects(under.limiter.consume(key(), p, 0), RangeError);
        await assert.rejects(under.limiter.consume(key(), p, 4), RangeError);
        await assert.rejects(under.limiter.consume(key(), p, 1.5), RangeError);
        await assert.rejects(under.limiter.consume(key(), { ...p, name: 'a b' }), RangeError);
        await assert.rejects(under.limiter.consume(key(), { ...p, limit: 0 }), RangeError);
      });
    }

    void it('token-bucket: refills continuously, never above its capacity', async () => {
      // One token every 200 ms.
      const p = policy('token-bucket', 3, 600);
      const k = key();
      assert.equal((await under.limiter.consume(k, p, 3)).allowed, true);
      const refused = await under.limiter.consume(k, p);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 200, `${refused.retryAfterMs}`);
      assert.ok(refused.resetMs > 400 && refused.resetMs <= 600, `${refused.resetMs}`);

      await under.elapse(refused.retryAfterMs);
      const refilled = await allowedSoon(k, p);
      assert.equal(refilled.remaining, 0);

      // Idle for far longer than a window: the bucket holds `limit`, no more.
      await under.elapse(3 * 600);
      const burst = await under.limiter.consume(k, p, 3);
      assert.equal(burst.allowed, true);
      const beyond = await under.limiter.consume(k, p);
      assert.equal(beyond.allowed, false);
    });

    void it('sliding-window: no fresh burst at the window edge; the old window slides out', async () => {
      const windowMs = 1000;
      const p = policy('sliding-window', 4, windowMs);
      const k = key();
      const untilWindowEnd = async () => windowMs - ((await under.now()) % windowMs);

      // Start 10 ms into a fresh window.
      await under.elapse((await untilWindowEnd()) + 10);
      for (let i = 0; i < 4; i++) {
        assert.equal((await under.limiter.consume(k, p)).allowed, true);
      }
      const refused = await under.limiter.consume(k, p);
      const left = await untilWindowEnd();
      assert.equal(refused.allowed, false);
      // Not when this window ends, but once a quarter of the next has passed
      // (then 4 × ¾ + 1 fits in 4).
      assert.ok(refused.retryAfterMs >= left + windowMs / 4, `${refused.retryAfterMs} vs ${left}`);
      if (under.exactClock) assert.equal(refused.retryAfterMs, left + windowMs / 4);

      // Just past the edge a fixed window would start afresh; this one
      // still counts almost all of the previous window.
      await under.elapse(left + 10);
      assert.equal((await under.limiter.consume(k, p)).allowed, false);

      // Halfway through, half of the previous window remains: 4 × ½ = 2 fit.
      await under.elapse(windowMs / 2 - 10);
      const halfway = [];
      for (let i = 0; i < 3; i++) halfway.push((await under.limiter.consume(k, p)).allowed);
      assert.deepEqual(halfway, [true, true, false]);

      // Once enough of it slid out, one more fits.
      const wait = await under.limiter.consume(k, p);
      assert.equal(wait.allowed, false);
      assert.ok(wait.retryAfterMs <= windowMs / 4, `${wait.retryAfterMs}`);
      await under.elapse(wait.retryAfterMs);
      await allowedSoon(k, p);
    });

    void it('sliding-window: a quiet window is forgotten', async () => {
      const p = policy('sliding-window', 2, 300);
      const k = key();
      await under.limiter.consume(k, p, 2);
      const refused = await under.limiter.consume(k, p);
      assert.equal(refused.allowed, false);
      // Until the next window's end. On a real clock a loaded machine may already
      // be in that next window when it asks, so only the fake clock pins the lower bound.
      const earliest = under.exactClock ? 300 : 0;
      assert.ok(refused.resetMs > earliest && refused.resetMs <= 600, `${refused.resetMs}`);
      await under.elapse(refused.resetMs);
      const fresh = await allowedSoon(k, p, 2);
      assert.equal(fresh.remaining, 0);
    });
  });
}
