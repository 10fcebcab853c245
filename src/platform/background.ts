// Work that runs after the response has gone: sending an email, mostly. Kept
// off the response path so that the client neither waits for a mail server
// nor learns from the timing what the work found (a password-reset request
// for an address with no account must look exactly like one with).
//
// Every task is tracked until it settles, so shutdown (and a test) can wait
// for what is still running with `idle()`; a task that fails is logged here
// and never becomes an unhandled rejection. Tasks run in this process only:
// one that is in flight when the process dies is lost, which is acceptable
// for mail the user can ask for again, and not for anything else.

import type { Logger } from 'pino';
import { runDetached } from './unit-of-work.ts';

export class BackgroundTasks {
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Starts `fn` on a later tick; its failure is logged under `name`, never
   * thrown. Outside the request's unit of work: a client that leaves does not
   * cancel the mail its request asked for.
   */
  run(name: string, fn: () => Promise<void>): void {
    const task = runDetached(() => Promise.resolve().then(fn))
      .catch((error: unknown) => {
        this.#logger.error({ err: error, task: name }, 'background task failed');
      })
      .finally(() => {
        this.#pending.delete(task);
      });
    this.#pending.add(task);
  }

  /** How many tasks are still running. */
  get size(): number {
    return this.#pending.size;
  }

  /** Resolves once no task is running, including tasks started by running ones. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
