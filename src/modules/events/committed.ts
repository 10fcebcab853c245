// "An event was just committed in this process": the signal that wakes the
// outbox relay at once instead of at its next poll (relay.ts). recordEvent
// raises it after the recording transaction commits, so a relay woken by it
// finds the row. It is only a hint: the relay's poll stays the safety net
// (a relay in another process, a lost wake-up), and a wake-up with nothing
// to relay costs one empty pass.
//
// Process-wide, because recordEvent is called with a transaction and no
// other context; every relay in the process listens, and an extra pass of a
// relay sharing the outbox is harmless (SKIP LOCKED).

type Listener = () => void;

const listeners = new Set<Listener>();

/** Calls `listener` after each commit that recorded an event; returns what stops it. */
export function onEventsCommitted(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function eventsCommitted(): void {
  for (const listener of listeners) listener();
}
