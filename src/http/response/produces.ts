// Content negotiation from a handler's or route's point of view
// (RFC 9110 §12.5.1). A route lists the media types it can produce; a request
// whose Accept rules all of them out gets 406 before the handler does any work.
// Handlers that offer several representations call `negotiate` to pick one.

import { z } from 'zod';
import type { Context } from '../pipeline/context.ts';
import type { RouteOptions } from '../routing/route.ts';
import { httpError } from '../errors.ts';
import { createMediaTypeNegotiator } from './negotiation.ts';
import { MSGPACK_MEDIA_TYPE } from '../request/body/msgpack.ts';
import { middleware, type Middleware } from '../pipeline/pipeline.ts';

const negotiators = new WeakMap<
  readonly string[],
  (accept: string | undefined) => string | undefined
>();

function negotiatorFor(available: readonly string[]) {
  let negotiator = negotiators.get(available);
  if (negotiator === undefined) {
    negotiator = createMediaTypeNegotiator(available);
    negotiators.set(available, negotiator);
  }
  return negotiator;
}

/** Returns the best of `available` for this request, or throws 406. Adds `Vary: Accept`. */
export function negotiate<const T extends string>(c: Context, available: readonly T[]): T {
  c.vary('Accept');
  const chosen = negotiatorFor(available)(c.header('accept'));
  if (chosen === undefined) throw notAcceptable(available);
  return chosen as T;
}

function notAcceptable(available: readonly string[]) {
  return httpError('HTTP_NOT_ACCEPTABLE', {
    detail: `this resource is available as ${available.join(', ')}`,
    extensions: { available },
  });
}

/** Route-level check: 406 early when the client accepts none of `produces`. */
export function acceptCheckMiddleware(produces: readonly string[]): Middleware | undefined {
  if (produces.length === 0 || produces.includes('*/*')) return undefined;
  const negotiator = createMediaTypeNegotiator(produces);
  return middleware('accept-check', 'validation', (c, next) => {
    const accept = c.header('accept');
    if (accept !== undefined && negotiator(accept) === undefined) throw notAcceptable(produces);
    return next();
  });
}

/**
 * What a route says it produces when it does not say `produces`: the media
 * types of its declared success responses (JSON unless a spec says otherwise).
 * A route that declares no responses is not checked.
 */
export function declaredMediaTypes(route: RouteOptions): readonly string[] {
  const responses = route.schema?.responses;
  if (responses === undefined) return [];
  const types = new Set<string>();
  for (const [status, spec] of Object.entries(responses)) {
    if (Number(status) >= 300) continue;
    if (spec instanceof z.ZodType) {
      types.add('application/json');
      continue;
    }
    types.add(spec.contentType ?? 'application/json');
    for (const type of spec.alsoAs ?? []) types.add(type);
  }
  // Every JSON response is also sent as MessagePack on request (msgpack.ts).
  if (types.has('application/json')) types.add(MSGPACK_MEDIA_TYPE);
  return [...types];
}
