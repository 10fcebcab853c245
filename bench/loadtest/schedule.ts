// Open-loop arrivals: journey n is due at start + n / rate, whether or not
// the earlier ones have finished. A closed loop (start the next when one
// ends) slows down exactly when the service does and so hides the slowness
// it should measure ("coordinated omission"). Each journey is handed the
// time it was due, and its latency counts from then: if this process falls
// behind (a busy event loop, a late timer), the wait is charged to the
// service's numbers rather than silently dropped.

import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves at `at` (now() time) or later. */
  sleepUntil(at: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  async sleepUntil(at) {
    const wait = at - performance.now();
    if (wait > 0) await delay(wait);
  },
};

/** When the nth arrival (from 0) is due, relative to the start. */
export function dueOffset(index: number, ratePerSecond: number): number {
  return (index * 1000) / ratePerSecond;
}

export interface OpenLoop {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** Stops starting new arrivals early (those under way still finish). */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Starts one arrival; its promise is awaited only at the end. */
  readonly start: (dueAt: number, index: number) => Promise<void>;
}

/** Runs the arrivals due within the duration; resolves once every one has ended. */
export async function runOpenLoop(loop: OpenLoop): Promise<{ started: number }> {
  if (!(loop.ratePerSecond > 0)) throw new RangeError('the rate must be above 0');
  const clock = loop.clock ?? realClock;
  const begin = clock.now();
  const running = new Set<Promise<void>>();
  const aborted = () => loop.signal?.aborted === true;
  let index = 0;
  for (;;) {
    const offset = dueOffset(index, loop.ratePerSecond);
    if (offset >= loop.durationMs || aborted()) break;
    const dueAt = begin + offset;
    await clock.sleepUntil(dueAt);
    if (aborted()) break;
    // A journey's own failures are recorded by it; one that throws must not stop the schedule.
    const journey = loop.start(dueAt, index).catch(() => {});
    running.add(journey);
    void journey.finally(() => running.delete(journey));
    index += 1;
  }
  await Promise.all(running);
  return { started: index };
}
