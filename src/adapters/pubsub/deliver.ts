// Handing one message to one handler, the same way on every adapter: a
// handler that throws (or returns a promise that rejects) is logged and
// cannot stop the other handlers, nor break the connection it came from.

import type { Logger } from '../../platform/logger.ts';
import type { MessageHandler } from '../../ports/pubsub.ts';

export interface Subscription {
  readonly handler: MessageHandler;
  /** False once unsubscribed: a message already on its way is dropped. */
  active: boolean;
}

export function deliver(
  subscription: Subscription,
  channel: string,
  message: string,
  logger: Logger,
): void {
  if (!subscription.active) return;
  const report = (error: unknown) => {
    logger.error({ err: error, channel }, 'pub/sub handler failed');
  };
  try {
    // Typed as returning void, but an async function fits that type too.
    const handler: (message: string) => unknown = subscription.handler;
    const result = handler(message);
    if (result instanceof Promise) result.catch(report);
  } catch (error) {
    report(error);
  }
}
