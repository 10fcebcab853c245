// The in-process limiter against the RateLimiter contract, on a fake clock,
// plus what only it promises: memory stays bounded (idle entries are swept,
// the least recently used go beyond the cap).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMemoryRateLimiter } from '../../src/adapters/rate-limiter/memory.ts';
import { runRateLimiterContract } from '../../src/ports/rate-limiter.contract.ts';
import type { RateLimitPolicy } from '../../src/ports/rate-limiter.ts';

/** A clock that only moves when told; starts on a whole second. */
function fakeClock() {
  let time = Date.UTC(2026, 0, 1);
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

runRateLimiterContract('memory', () => {
  const clock = fakeClock();
  const limiter = createMemoryRateLimiter({ now: clock.now });
  return Promise.resolve({
    limiter,
    peers: [limiter],
    exactClock: true,
    now: () => Promise.resolve(clock.now()),
    elapse(ms) {
      clock.advance(ms);
      return Promise.resolve();
    },
    close: () => limiter.close(),
  });
});

describe('memory limiter: bounded memory', () => {
  const perSecond: RateLimitPolicy = {
    name: 'test',
    algorithm: 'token-bucket',
    limit: 10,
    windowMs: 1000,
  };

  test('a bucket that refilled is dropped by the next sweep', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now, sweepIntervalMs: 5000 });
    for (let i = 0; i < 50; i++) await limiter.consume(`client-${i}`, perSecond);
    assert.equal(limiter.size, 50);
    // All refilled after a second, swept once the interval is up.
    clock.advance(5000);
    await limiter.consume('one-more', perSecond);
    assert.equal(limiter.size, 1);
    assert.equal(limiter.evicted, 0);
  });

  test('an idle entry is never read back, swept or not', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now });
    await limiter.consume('k', perSecond, 10);
    assert.equal((await limiter.consume('k', perSecond)).allowed, false);
    clock.advance(1000);
    const decision = await limiter.consume('k', perSecond);
    assert.deepEqual([decision.allowed, decision.remaining], [true, 9]);
  });

  test('beyond maxKeys the least recently used entry goes', async () => {
    const clock = fakeClock();
    const limiter = createMemoryRateLimiter({ now: clock.now, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) await limiter.consume(k, perSecond, 10);
    await limiter.consume('a', perSecond, 10); // refused, but `a` is now the most recent
    await limiter.consume('d', perSecond, 10);
    assert.equal(limiter.size, 3);
    assert.equal(limiter.evicted, 1);
    // `b` was forgotten (a full bucket again); `a` was kept.
    assert.equal((await limiter.consume('b', perSecond)).allowed, true);
    assert.equal((await limiter.consume('a', perSecond)).allowed, false);
  });
});
