// The caller of a route, as services take it: who, with which permissions,
// from where. Only for routes the auth gate already let through (not
// public), where the request carries an identity.

import type { Context } from './context.ts';

/** The authenticated caller of a route the gate already checked. */
export function actorOf(c: Context): { id: string; permissions: ReadonlySet<string>; ip: string } {
  const identity = c.identity!;
  return { id: identity.subject, permissions: identity.permissions, ip: c.remoteAddress };
}
