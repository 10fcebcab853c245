// Authentication (phase `authn`): whichever credential the request carries
// becomes its identity — an access token or an API key in `Authorization:
// Bearer`, an API key in `X-API-Key`, or a session cookie. No credential
// leaves the request anonymous (the core's deny-by-default gate then answers
// 401 on non-public routes); a present but bad credential is a 401 at once —
// never silently anonymous. Exactly one credential is looked at, in that
// order, so a request cannot mix a cookie with a key to borrow rights.
//
// Public routes (and paths no route matches) ignore credentials altogether:
// none of them reads an identity, so checking one could only turn a stale
// header into a failure — a health probe configured with an expired token
// would take the instance out of the load balancer, and a typo'd path would
// answer 401 instead of 404. A public route that declares permissions is not
// really public and is authenticated like any other.

import type { Context, Identity } from '../../http/pipeline/context.ts';
import { httpError } from '../../http/errors.ts';
import { middleware, type Middleware } from '../../http/pipeline/pipeline.ts';
import { rawHeader } from '../../http/pipeline/request-id.ts';
import type { AccessClaims, AccessTokens } from './ports.ts';
import { permissionsOf } from '../users/rbac.ts';

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Every API key starts with this, so a bearer value tells which kind it is without a lookup. */
export const API_KEY_PREFIX = 'tl_';

export interface Authenticators {
  readonly tokens: AccessTokens;
  /** Resolves an API key to its identity or throws a 401 AppError. */
  readonly apiKey?: (presented: string) => Promise<Identity>;
  /**
   * Resolves a session cookie (checking CSRF on unsafe methods). An unknown or
   * expired session is anonymous, not an error: browsers keep sending stale
   * cookies, and the login form must still work.
   */
  readonly session?: {
    readonly cookieName: string;
    authenticate(c: Context, token: string): Promise<Identity | undefined>;
  };
}

export function authentication(auth: Authenticators): Middleware {
  return middleware('authentication', 'authn', (c, next) => {
    if (c.route.auth === 'public' && c.route.permissions.length === 0) return next();
    // rawHeaders: public routes without credentials never build req.headers.
    const raw = c.req.rawHeaders;
    const header = rawHeader(raw, 'authorization');
    if (header !== undefined) {
      return identityFromAuthorization(auth, header).then((found) => {
        c.identity = found;
        return next();
      });
    }
    const apiKey = rawHeader(raw, 'x-api-key');
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
    if (apiKey !== undefined) {
      return verifyApiKey(auth, apiKey.trim()).then((found) => {
        c.identity = found;
        return next();
      });
    }
    if (auth.session !== undefined) {
      const cookie = rawHeader(raw, 'cookie');
      const token = cookie === undefined ? undefined : cookieValue(cookie, auth.session.cookieName);
      // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
      if (token !== undefined) {
        return auth.session.authenticate(c, token).then((found) => {
          c.identity = found;
          return next();
        });
      }
    }
    return next();
  });
}

/**
 * The identity an `Authorization: Bearer` value proves: an access token, or
 * an API key (told apart by its prefix). A 401 AppError when it proves none.
 * The gRPC methods authenticate their `authorization` metadata with it too.
 */
export function identityFromAuthorization(
  auth: Pick<Authenticators, 'tokens' | 'apiKey'>,
  header: string,
): Promise<Identity> {
  const token = BEARER.exec(header)?.[1];
  // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
  if (token === undefined) {
    return Promise.reject(
      httpError('HTTP_UNAUTHENTICATED', {
        detail: 'expected Authorization: Bearer <token>',
        headers: { 'www-authenticate': 'Bearer error="invalid_request"' },
      }),
    );
  }
  return token.startsWith(API_KEY_PREFIX)
    ? verifyApiKey(auth, token)
    : auth.tokens.verify(token).then(identityFrom);
}

function verifyApiKey(auth: Pick<Authenticators, 'apiKey'>, presented: string): Promise<Identity> {
  if (auth.apiKey === undefined) {
    return Promise.reject(
      httpError('HTTP_UNAUTHENTICATED', { detail: 'API keys are not enabled' }),
    );
  }
  return auth.apiKey(presented);
}

/** One cookie's value from a Cookie header (RFC 6265 §5.4 order; first match wins). */
export function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim() === name) {
      const value = pair.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** The token's scope, narrowed to what its role grants. */
export function identityFrom(claims: AccessClaims): Identity {
  const granted = permissionsOf(claims.role);
  return {
    subject: claims.sub,
    method: 'bearer',
    permissions: new Set(claims.scope.filter((permission) => granted.has(permission))),
    attributes: {
      role: claims.role,
      sessionId: claims.sid,
      // Connections that outlive the request (WebSockets) close when it expires.
      ...(claims.expiresAt === undefined ? {} : { expiresAt: claims.expiresAt }),
    },
  };
}
