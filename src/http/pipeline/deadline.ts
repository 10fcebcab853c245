// Request deadlines without a timer per request. In-flight contexts sit in a
// linked list in arrival order; one unref'd interval walks it from the
// oldest and stops at the first request still inside its budget. An expired
// request has its AbortSignal fired and gets a 503 problem at once; whatever its
// handler does later is discarded. Precision is one sweep interval (a tenth of
// the deadline, 50 ms–1 s), which is what a deadline of seconds needs.

import type { Context } from './context.ts';
import { httpError } from '../errors.ts';
import { applyProblem } from '../response/problem.ts';

export class DeadlineSweeper {
  readonly #deadlineMs: number;
  readonly #onExpired: (c: Context) => void;
  // An intrusive doubly linked list in arrival order: tracking and untracking
  // are a few pointer writes, cheaper than hashing into a Set per request.
  #head: Context | undefined;
  #tail: Context | undefined;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(deadlineMs: number, onExpired: (c: Context) => void) {
    this.#deadlineMs = deadlineMs;
    this.#onExpired = onExpired;
  }

  get size(): number {
    return this.#size;
  }

  track(c: Context): void {
    c.inflightTracked = true;
    c.inflightPrev = this.#tail;
    c.inflightNext = undefined;
    if (this.#tail === undefined) this.#head = c;
    else this.#tail.inflightNext = c;
    this.#tail = c;
    this.#size++;
  }

  untrack(c: Context): void {
    if (!c.inflightTracked) return;
    c.inflightTracked = false;
    const { inflightPrev: prev, inflightNext: next } = c;
    if (prev === undefined) this.#head = next;
    else prev.inflightNext = next;
    if (next === undefined) this.#tail = prev;
    else next.inflightPrev = prev;
    c.inflightPrev = undefined;
    c.inflightNext = undefined;
    this.#size--;
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
    let c = this.#head;
    while (c !== undefined && now - c.startTime >= this.#deadlineMs) {
      const next = c.inflightNext;
      this.untrack(c);
      this.#expire(c);
      c = next;
    }
  }

  #expire(c: Context): void {
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
