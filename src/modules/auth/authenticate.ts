// Bearer authentication (phase `authn`): a valid access token becomes the
// request's identity; no Authorization header leaves the request anonymous
// (the core's deny-by-default gate then answers 401 on non-public routes); a
// present but bad token is a 401 at once — never silently anonymous.

import type { Context, Identity } from '../../http/context.ts';
import { httpError } from '../../http/errors.ts';
import { middleware, type Middleware } from '../../http/pipeline.ts';
import { rawHeader } from '../../http/request-id.ts';
import type { AccessClaims, AccessTokens } from './ports.ts';
import { permissionsOf } from './rbac.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerAuthentication(tokens: AccessTokens): Middleware {
  return middleware('bearer-authentication', 'authn', (c, next) => {
    // rawHeaders: public routes without credentials never build req.headers.
    const header = rawHeader(c.req.rawHeaders, 'authorization');
    if (header === undefined) return next();
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw httpError('HTTP_UNAUTHENTICATED', {
        detail: 'expected Authorization: Bearer <token>',
        headers: { 'www-authenticate': 'Bearer error="invalid_request"' },
      });
    }
    return tokens.verify(token).then((claims) => {
      c.identity = identityFrom(claims);
      return next();
    });
  });
}

/** The token's scope, narrowed to what the role grants today (a demoted user loses rights at once). */
export function identityFrom(claims: AccessClaims): Identity {
  const granted = permissionsOf(claims.role);
  return {
    subject: claims.sub,
    method: 'bearer',
    permissions: new Set(claims.scope.filter((permission) => granted.has(permission))),
    attributes: { role: claims.role, sessionId: claims.sid },
  };
}

/** The authenticated caller of a route the gate already checked. */
export function actorOf(c: Context): { id: string; permissions: ReadonlySet<string>; ip: string } {
  const identity = c.identity!;
  return { id: identity.subject, permissions: identity.permissions, ip: c.remoteAddress };
}
