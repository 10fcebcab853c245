// The onion. Middleware run in the seed's canonical order whatever order they
// were registered in: each one declares its phase, and a route's chain is the
// stable sort of global + group + route middleware by phase, composed once at
// start-up (no per-request array building).
//
//   recovery → requestId → accessLog → cors → securityHeaders → bodyParsing →
//   compression → rateLimit → authn → authz → validation → handler
//
// Recovery and request id are built into the core (see app.ts) because every
// request needs them before anything else can run; they are listed here so the
// order is written down in one place.

import type { Context, Input } from './context.ts';

export const PHASES = [
  'recovery',
  'requestId',
  'accessLog',
  'cors',
  'securityHeaders',
  'bodyParsing',
  'compression',
  'rateLimit',
  'authn',
  'authz',
  'validation',
  'handler',
] as const;

export type Phase = (typeof PHASES)[number];

/**
 * Runs the inner layers. It returns a promise only when something inside is
 * asynchronous: a chain of synchronous middleware and a synchronous handler
 * runs without allocating a single promise. `await next()` works either way.
 */
export type Next = () => Promise<void> | void;

export type MiddlewareFn<I extends Input = Input> = (
  c: Context<I>,
  next: Next,
) => Promise<void> | void;

export interface Middleware {
  readonly name: string;
  readonly phase: Phase;
  readonly handle: MiddlewareFn;
  /**
   * Error codes it may answer with. The OpenAPI document lists them on the
   * routes it is attached to (route and group middleware; global middleware
   * is described by the composition root, which knows which routes it spares).
   */
  readonly errors?: readonly string[];
}

/** A handler is the innermost layer; it may return nothing and set the context instead. */
export type Handler<I extends Input = Input> = (c: Context<I>) => unknown;

const phaseRank = new Map<Phase, number>(PHASES.map((phase, index) => [phase, index]));

/**
 * Declares a middleware and the phase it belongs to. Middleware without an
 * explicit phase run in `handler`, i.e. after validation, just before the handler.
 */
export function middleware(name: string, phase: Phase, handle: MiddlewareFn): Middleware {
  if (!phaseRank.has(phase)) {
    throw new Error(`middleware "${name}": unknown phase "${phase as string}"`);
  }
  if (phase === 'recovery' || phase === 'requestId') {
    throw new Error(`middleware "${name}": phase "${phase}" is owned by the core`);
  }
  return Object.freeze({ name, phase, handle });
}

export function sortByPhase(list: readonly Middleware[]): Middleware[] {
  // Array#sort is stable, so registration order holds within a phase.
  return [...list].sort((a, b) => phaseRank.get(a.phase)! - phaseRank.get(b.phase)!);
}

/**
 * Composes middleware around a handler into one function. A synchronous throw
 * anywhere propagates synchronously (the core catches it); calling `next()`
 * twice is a bug that would run the inner layers twice and is refused.
 */
export function compose(list: readonly Middleware[], handler: Handler): (c: Context) => unknown {
  const fns = list.map((m) => m.handle);
  if (fns.length === 0) return handler;
  const count = fns.length;
  return function run(c: Context): Promise<void> | void {
    let index = -1;
    const dispatch = (i: number): Promise<void> | void => {
      if (i <= index) throw new Error('next() called more than once');
      index = i;
      if (i === count) {
        const result = handler(c);
        return isPromise(result) ? result.then(noop) : undefined;
      }
      return fns[i]!(c, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}

function noop(): void {}

export function isPromise(value: unknown): value is Promise<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs the inner layers, then `settle(c, failed, error)` once they are done —
 * synchronously when they were, so a synchronous chain still allocates no
 * promise. `failed` says whether they threw or rejected, with `error`; what
 * `settle` returns or throws is what this layer does (return to absorb the
 * error, rethrow to pass it on). For layers that act on the finished
 * response: the access log, the request metrics.
 */
export function afterInner<C>(
  c: C,
  next: Next,
  settle: (c: C, failed: boolean, error: unknown) => void,
): Promise<void> | void {
  let inner: Promise<void> | void;
  try {
    inner = next();
  } catch (error) {
    settle(c, true, error);
    return;
  }
  if (!isPromise(inner)) {
    settle(c, false, undefined);
    return;
  }
  return inner.then(
    () => {
      settle(c, false, undefined);
    },
    (error: unknown) => {
      settle(c, true, error);
    },
  );
}
