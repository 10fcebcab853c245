// The pub/sub port: fire-and-forget messages between the instances of the
// service (invalidate a cached entry everywhere, wake a waiting request).
// Two adapters: in-process (the default, one instance) and Redis pub/sub
// (REDIS_URL). Both pass the same contract suite (pubsub.contract.ts).
//
// Rules for code that uses the port:
// - Delivery is at most once: a subscriber that is disconnected (a Redis
//   outage, a restart) misses what was published meanwhile, and nothing is
//   stored. Use it for hints whose loss is harmless (the cache entry still
//   expires by its TTL), never as a queue.
// - Delivery is asynchronous on both adapters: the handler never runs inside
//   `publish`, so code cannot come to depend on synchronous delivery.
// - Messages from one publisher on one channel arrive in the order sent.
// - Handlers should be quick and must not throw: an exception is logged and
//   the other handlers still run. Channels are named like keys,
//   `<module>:<topic>`; the Redis adapter adds its prefix.
// - `publish` and `subscribe` reject when Redis is unreachable
//   (REDIS_UNAVAILABLE); existing subscriptions come back by themselves when
//   the connection does.

export type MessageHandler = (message: string) => void;

export interface PubSub {
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active; returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  /** Ends every subscription; the instance must not be used afterwards. */
  close(): Promise<void>;
}
