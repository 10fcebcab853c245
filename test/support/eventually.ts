// Waiting in tests without racing timers: read a value until it is what the
// test waits for, or a generous deadline passes. A fixed sleep "long enough
// for the job to run" is either slow or flaky on a loaded machine; polling
// is neither. The one waiting helper of the suites: contract suites, unit
// tests and integration tests all use it.

import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions<T> {
  /** Whether `value` is what we wait for. Default: neither undefined nor false. */
  readonly until?: (value: T) => boolean;
  /** Give up after this long. Default 15,000 ms: a loaded machine is slow, not broken. */
  readonly timeoutMs?: number;
  /** Pause between reads. Default 10 ms. */
  readonly intervalMs?: number;
}

const arrived = (value: unknown): boolean => value !== undefined && value !== false;

/**
 * Calls `read` until its value is what `until` waits for and resolves with
 * that value; rejects naming `what` when the deadline passes.
 */
export async function eventually<T>(
  what: string,
  read: () => Promise<T> | T,
  options: PollOptions<T> = {},
): Promise<Exclude<T, undefined | false>> {
  const until = options.until ?? arrived;
  const deadline = performance.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await read();
    if (until(value)) return value as Exclude<T, undefined | false>;
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
