// Whether a call that arrives (an HTTP request, a gRPC call) starts a kept
// trace, decided before any span exists, so that the many calls a low ratio
// does not keep cost no span, no context switch and no ids on their lines.

/**
 * A caller's sampled flag in its `traceparent` wins (parent-based sampling);
 * a call without a usable one is drawn at `ratio`. (An unkept caller's trace
 * is not passed on either: the services it calls draw for themselves.)
 */
export function kept(traceparent: string | undefined, ratio: number): boolean {
  // version-traceid-parentid-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 characters.
  if (traceparent !== undefined && traceparent.length >= 55 && traceparent.charCodeAt(2) === 45) {
    const flags = Number.parseInt(traceparent.slice(53, 55), 16);
    if (!Number.isNaN(flags)) return (flags & 1) === 1;
  }
  return ratio >= 1 || Math.random() < ratio;
}
