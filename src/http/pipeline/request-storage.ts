// AsyncLocalStorage carries the current request's Context through every
// await, so code far from the handler (a repository, a logger call, an
// outbound HTTP client) can reach the request id, identity and abort signal
// without threading them through every signature.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from './context.ts';

export const requestStorage = new AsyncLocalStorage<Context>();

/** The Context of the request being handled, or undefined outside one. */
export function currentContext(): Context | undefined {
  return requestStorage.getStore();
}
