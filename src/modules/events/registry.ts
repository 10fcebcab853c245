// Who reacts to which event. Consumers register with `onEvent(type, handler)`
// (or '*' for every event) when the workers are assembled (src/wiring/workers.ts);
// the events job (one per outbox event) dispatches to every handler of its
// type.
//
// Delivery is at least once, as for any job (ports/queue.ts): a handler can
// run again for an event it already handled — after a crash, or because
// another handler of the same event failed and the job is retried. Handlers
// must be idempotent, or check first whether their effect already happened.

import type { Job } from '../../ports/queue.ts';
import type { DomainEvent, EventType } from './outbox.ts';

export type EventHandler<T extends EventType = EventType> = (
  event: DomainEvent<T>,
  context: { readonly attempt: number; readonly signal: AbortSignal },
) => Promise<void>;

export class EventHandlers {
  readonly #handlers = new Map<EventType | '*', EventHandler[]>();

  onEvent<T extends EventType>(type: T | '*', handler: EventHandler<T>): void {
    const list = this.#handlers.get(type) ?? [];
    list.push(handler as EventHandler);
    this.#handlers.set(type, list);
  }

  /** The handlers an event of `type` goes to: its own, then the '*' ones. */
  handlersOf(type: EventType): readonly EventHandler[] {
    return [...(this.#handlers.get(type) ?? []), ...(this.#handlers.get('*') ?? [])];
  }

  /**
   * Runs every handler of the event, one after the other; the first failure
   * fails the job, which is retried (all handlers again) with backoff.
   */
  async dispatch(event: DomainEvent, context: { attempt: number; signal: AbortSignal }) {
    for (const handler of this.handlersOf(event.type)) {
      context.signal.throwIfAborted();
      await handler(event, context);
    }
  }

  /** The job handler for the events queue. */
  jobHandler(): (job: Job) => Promise<void> {
    return (job) =>
      this.dispatch(job.payload as unknown as DomainEvent, {
        attempt: job.attempt,
        signal: job.signal,
      });
  }
}
