// Request deadlines without a timer per request. In-flight contexts sit in a
// Set (insertion order = arrival order); one unref'd interval walks it from the
// oldest and stops at the first request still inside its budget. An expired
// request has its AbortSignal fired and gets a 503 problem at once; whatever its
// handler does later is discarded. Precision is one sweep interval (a tenth of
// the deadline, 50 ms–1 s), which is what a deadline of seconds needs.

import type { Context } from './context.ts';
import { httpError } from './errors.ts';
import { applyProblem } from './problem.ts';

export class DeadlineSweeper {
  readonly #deadlineMs: number;
  readonly #onExpired: (c: Context) => void;
  readonly #inflight = new Set<Context>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deadlineMs: number, onExpired: (c: Context) => void) {
    this.#deadlineMs = deadlineMs;
    this.#onExpired = onExpired;
  }

  get size(): number {
    return this.#inflight.size;
  }

  track(c: Context): void {
    this.#inflight.add(c);
  }

  untrack(c: Context): void {
    this.#inflight.delete(c);
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const interval = Math.min(1000, Math.max(50, Math.floor(this.#deadlineMs / 10)));
    this.#timer = setInterval(() => {
      this.sweep(performance.now());
    }, interval);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  sweep(now: number): void {
    for (const c of this.#inflight) {
      if (now - c.startTime < this.#deadlineMs) return;
      this.#inflight.delete(c);
      c.abort(new DOMException('request deadline exceeded', 'TimeoutError'));
      if (!c.committed && !c.res.headersSent) {
        applyProblem(
          c,
          httpError('HTTP_DEADLINE_EXCEEDED', {
            detail: `the request took longer than ${this.#deadlineMs} ms`,
            headers: { 'retry-after': '1' },
          }),
        );
      }
      c.log.warn({ path: c.path, method: c.method }, 'request deadline exceeded');
      this.#onExpired(c);
    }
  }
}
