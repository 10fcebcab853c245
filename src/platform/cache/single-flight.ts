// Single-flight: concurrent callers asking for the same key share one
// in-flight load instead of each hitting the source (a cache stampede on a
// cold or just-expired key). In-process only; across instances the loads
// are at most one per instance, which is what the source can take.
//
// The load runs shielded from the starting caller's unit of work: the
// callers that joined it must not fail because the first one's client left.

import { runShielded } from '../unit-of-work.ts';

export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();
  /** Calls that joined a load another caller started. */
  coalesced = 0;

  run(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      this.coalesced += 1;
      return running;
    }
    const started = runShielded(load).finally(() => {
      this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, started);
    return started;
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
