// Waiting in contract suites without racing timers: poll a condition until it
// holds or a generous deadline passes. A fixed sleep "long enough for the TTL
// to run out" is either slow or flaky on a loaded machine; polling is neither.

import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  /** Give up after this long. Default 5,000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 10 ms. */
  readonly intervalMs?: number;
}

/** Calls `probe` until it returns true; rejects with `what` when the deadline passes. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean> | boolean,
  options: PollOptions = {},
): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await delay(options.intervalMs ?? 10);
  }
}

/** Rejects with `what` if `promise` has not settled within `timeoutMs`. */
export async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${timeoutMs} ms: ${what}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
