// Whether a call that arrives (an HTTP request, a gRPC call) starts a kept
// trace, decided before any span exists, so that the many calls a low ratio
// does not keep cost no span, no context switch and no ids on their lines.

import { propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';

/**
 * The parent of the span of an arriving call whose trace is kept (the
 * caller's context from `carrier`, or a new trace's root), or undefined when
 * it is not kept.
 */
export function keptCallParent<C>(
  traceparent: string | undefined,
  ratio: number,
  carrier: C,
  getter: TextMapGetter<C>,
): Context | undefined {
  if (!kept(traceparent, ratio)) return undefined;
  // Most kept calls start a trace here: no caller's context to read.
  return traceparent === undefined
    ? ROOT_CONTEXT
    : propagation.extract(ROOT_CONTEXT, carrier, getter);
}

/**
 * A caller's sampled flag in its `traceparent` wins (parent-based sampling);
 * a call without a usable one is drawn at `ratio`. (An unkept caller's trace
 * is not passed on either: the services it calls draw for themselves.)
 */
function kept(traceparent: string | undefined, ratio: number): boolean {
  // version-traceid-parentid-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
  if (traceparent !== undefined && traceparent.length >= 55 && traceparent.charCodeAt(2) === 45) {
    const flags = Number.parseInt(traceparent.slice(53, 55), 16);
    if (!Number.isNaN(flags)) return (flags & 1) === 1;
  }
  return ratio >= 1 || Math.random() < ratio;
}
