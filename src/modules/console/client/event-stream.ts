// Following one of the service's event streams (Server-Sent Events) from a
// page. EventSource sends the session cookie, reconnects by itself after a
// dropped connection and sends Last-Event-ID, so the service replays what
// was missed. An answer that is not a stream (401, 403, 404) closes it for
// good: the caller then falls back to asking again on a timer.

/** What a stream says: one of `types` happened, or `reset` (reload everything). */
export type StreamEvent = string;

export interface FollowedStream {
  close(): void;
}

export function followStream(
  url: string,
  types: readonly string[],
  handlers: {
    readonly event: (type: StreamEvent) => void;
    /** The service refused the stream; it is not retried. */
    readonly refused: () => void;
  },
): FollowedStream {
  const source = new EventSource(url, { withCredentials: true });
  for (const type of [...types, 'reset']) {
    source.addEventListener(type, () => {
      handlers.event(type);
    });
  }
  source.addEventListener('error', () => {
    // CONNECTING: the browser is reconnecting on its own. CLOSED: refused.
    if (source.readyState === EventSource.CLOSED) handlers.refused();
  });
  return {
    close: () => {
      source.close();
    },
  };
}
