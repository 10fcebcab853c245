import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dueOffset, runOpenLoop, type Clock } from './schedule.ts';

/** A clock that jumps to whatever time is waited for: the schedule runs at once. */
function jumpingClock(): Clock & { slept: number[] } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleepUntil(at) {
      slept.push(at);
      now = Math.max(now, at);
      return Promise.resolve();
    },
  };
}

describe('open-loop schedule', () => {
  test('arrivals are due every 1/rate from the start, within the duration', async () => {
    const clock = jumpingClock();
    const due: number[] = [];
    const { started } = await runOpenLoop({
      ratePerSecond: 4,
      durationMs: 1000,
      clock,
      start: (dueAt) => {
        due.push(dueAt);
        return Promise.resolve();
      },
    });
    assert.equal(started, 4);
    assert.deepEqual(due, [1000, 1250, 1500, 1750]);
    assert.equal(dueOffset(3, 4), 750);
  });

  test('a journey that has not finished does not hold back the next one', async () => {
    const clock = jumpingClock();
    const releases: (() => void)[] = [];
    let ended = 0;
    const run = runOpenLoop({
      ratePerSecond: 10,
      durationMs: 500,
      clock,
      start: () =>
        new Promise<void>((resolve) => {
          releases.push(() => {
            ended += 1;
            resolve();
          });
        }),
    });
    // Every arrival started while none had finished: no coordination with the service.
    while (releases.length < 5) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ended, 0);
    let settled = false;
    void run.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the run waits for journeys under way');
    for (const release of releases) release();
    assert.deepEqual(await run, { started: 5 });
    assert.equal(ended, 5);
  });

  test('a late clock hands journeys the time they were due, not the time they began', async () => {
    let now = 0;
    const lateClock: Clock = {
      now: () => now,
      sleepUntil(at) {
        now = Math.max(now, at) + 40; // the timer fires 40 ms late every time
        return Promise.resolve();
      },
    };
    const lags: number[] = [];
    await runOpenLoop({
      ratePerSecond: 100,
      durationMs: 50,
      clock: lateClock,
      start: (dueAt) => {
        lags.push(now - dueAt);
        return Promise.resolve();
      },
    });
    assert.equal(lags.length, 5);
    // The lag grows as the loop falls behind; measured from dueAt it is not lost.
    assert.ok(
      lags.every((lag, i) => i === 0 || lag > lags[i - 1]!),
      lags.join(),
    );
  });

  test('an abort stops new arrivals; a throwing journey does not stop the rest', async () => {
    const controller = new AbortController();
    const clock = jumpingClock();
    const { started } = await runOpenLoop({
      ratePerSecond: 10,
      durationMs: 10_000,
      clock,
      signal: controller.signal,
      start: (_dueAt, index) => {
        if (index === 1) return Promise.reject(new Error('journey failed'));
        if (index === 2) controller.abort();
        return Promise.resolve();
      },
    });
    assert.equal(started, 3);
    await assert.rejects(
      runOpenLoop({ ratePerSecond: 0, durationMs: 1, start: async () => {} }),
      RangeError,
    );
  });
});
