// Browser sessions: an opaque random token in an `HttpOnly; Secure;
// SameSite=Lax` cookie, pointing at server-side state (a SessionStore: the
// `sessions` table, or Redis with REDIS_URL — session-store.ts), so a session
// can be revoked and expired on the server — neither of which a JWT in a
// cookie allows. A store that cannot answer (Redis down) fails the request
// (503 REDIS_UNAVAILABLE) rather than leaving it anonymous: a signed-in
// browser must not be shown as signed out, nor its request run without it.
//
// CSRF (seed module 05): a browser attaches the cookie to requests other
// sites trigger, so cookie-authenticated unsafe requests must also prove
// they come from our own pages, twice over:
//  1. Origin (or, failing that, Referer) must be one of ours; a request
//     carrying neither is refused (OWASP's recommendation: modern browsers
//     send Origin on every unsafe request).
//  2. `X-CSRF-Token` must equal HMAC(session token, "csrf"): only a page that
//     was handed the token can send it, a cross-site page can neither read
//     it nor set custom headers without a CORS preflight we would refuse.
// Deriving the CSRF token from the session token means nothing extra is
// stored and the token dies with the session.

import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Context, Identity } from '../../http/pipeline/context.ts';
import { authError } from './errors.ts';
import { permissionsOf } from '../users/rbac.ts';
import type { SessionStore } from './session-store.ts';

export const CSRF_HEADER = 'x-csrf-token';

/** Use is recorded at most this often per session (idle expiry needs no finer grain). */
const TOUCH_INTERVAL_MS = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface SessionOptions {
  /** Where sessions live; it applies the idle timeout. */
  readonly store: SessionStore;
  readonly cookieName: string;
  readonly ttlSeconds: number;
  /** Origins besides the request's own that may send unsafe requests (public URL, CORS origins). */
  readonly trustedOrigins: readonly string[];
  readonly now?: () => Date;
}

export interface StartedSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export interface Sessions {
  readonly cookieName: string;
  start(
    userId: string,
    client: { ip: string; userAgent: string | undefined },
  ): Promise<StartedSession>;
  /**
   * The identity for a cookie's token (undefined: unknown or expired, treat
   * as anonymous). Rejects when the store cannot answer.
   */
  authenticate(c: Context, token: string): Promise<Identity | undefined>;
  end(sessionId: string): Promise<void>;
  csrfTokenFor(token: string): string;
  /** `Set-Cookie` values that store and clear the session cookie. */
  cookie(token: string): string;
  clearCookie(): string;
  /** Throws AUTH_CSRF_FAILED unless the request's Origin/Referer is one of ours. */
  checkOrigin(c: Context): void;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createSessions(options: SessionOptions): Sessions {
  const { store, cookieName } = options;
  const now = options.now ?? (() => new Date());
  const trusted = new Set(options.trustedOrigins.filter((origin) => origin !== '*'));

  const csrfTokenFor = (token: string) =>
    createHmac('sha256', token).update('csrf').digest('base64url');

  function checkOrigin(c: Context): void {
    const origin = originOf(c);
    if (origin === undefined) {
      throw authError('AUTH_CSRF_FAILED', { detail: 'Origin or Referer header required' });
    }
    if (!trusted.has(origin) && origin !== ownOrigin(c)) {
      throw authError('AUTH_CSRF_FAILED', { detail: `origin ${origin} is not allowed` });
    }
  }

  function checkCsrf(c: Context, token: string): void {
    checkOrigin(c);
    const presented = c.header(CSRF_HEADER);
    const expected = Buffer.from(csrfTokenFor(token));
    if (
      presented === undefined ||
      presented.length !== expected.length ||
      !timingSafeEqual(Buffer.from(presented), expected)
    ) {
      throw authError('AUTH_CSRF_FAILED', { detail: `missing or wrong ${CSRF_HEADER} header` });
    }
  }

  const attributes = `Path=/; HttpOnly; Secure; SameSite=Lax`;

  return {
    cookieName,
    csrfTokenFor,
    checkOrigin,

    async start(userId, client) {
      const at = now();
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(at.getTime() + options.ttlSeconds * 1000);
      await store.insert({
        id: randomUUID(),
        userId,
        tokenHash: sha256(token),
        createdAt: at,
        expiresAt,
        ip: client.ip,
        userAgent: client.userAgent,
      });
      return { token, csrfToken: csrfTokenFor(token), expiresAt };
    },

    async authenticate(c, token) {
      const at = now();
      const session = await store.find(sha256(token), at);
      if (session === undefined) return undefined;
      if (!SAFE_METHODS.has(c.method)) checkCsrf(c, token);
      if (at.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
        await store.touch(session, at);
      }
      return {
        subject: session.userId,
        method: 'session',
        permissions: permissionsOf(session.role),
        attributes: {
          role: session.role,
          cookieSessionId: session.id,
          cookieSessionExpiresAt: session.expiresAt.toISOString(),
        },
      };
    },

    end: (sessionId) => store.revoke(sessionId, now()),

    cookie: (token) => `${cookieName}=${token}; ${attributes}; Max-Age=${options.ttlSeconds}`,
    clearCookie: () => `${cookieName}=; ${attributes}; Max-Age=0`,
  };
}

function originOf(c: Context): string | undefined {
  const origin = c.header('origin');
  // "null" is what sandboxed frames and some redirects send: never ours.
  if (origin !== undefined) return origin === 'null' ? 'null' : origin.toLowerCase();
  const referer = c.header('referer');
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

function ownOrigin(c: Context): string | undefined {
  const host = c.header('host') ?? c.header(':authority');
  return host === undefined ? undefined : `${c.secure ? 'https' : 'http'}://${host.toLowerCase()}`;
}
