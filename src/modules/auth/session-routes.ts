// Browser sign-in with a cookie session: `POST /api/v1/auth/session` (and its
// MFA step) sets the cookie and returns the CSRF token; `GET` hands the token
// to a page that reloaded; `DELETE` signs out. Creating a session checks
// Origin too, against login CSRF (a foreign page signing the victim into the
// attacker's account).

import type { App } from '../../http/app.ts';
import type { Context } from '../../http/context.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { httpError } from '../../http/errors.ts';
import type { Middleware } from '../../http/pipeline.ts';
import type { User } from '../users/schemas.ts';
import { cookieValue } from './authenticate.ts';
import { browserSession, loginBody, mfaLoginBody } from './schemas.ts';
import type { AuthService } from './service.ts';
import type { Sessions } from './sessions.ts';

export function registerSessionRoutes(
  app: App,
  deps: {
    auth: AuthService;
    sessions: Sessions;
    /** Rate limits for the sign-in steps. */
    signInLimits?: readonly Middleware[];
  },
): void {
  const { auth, sessions } = deps;
  const signInLimits = deps.signInLimits ?? [];

  async function startSession(c: Context, user: User) {
    const started = await sessions.start(user.id, {
      ip: c.remoteAddress,
      userAgent: c.header('user-agent'),
    });
    c.append('set-cookie', sessions.cookie(started.token));
    c.set('cache-control', cacheControl.noStore);
    c.json({ csrfToken: started.csrfToken, expiresAt: started.expiresAt.toISOString() }, 201);
  }

  const cookieSessionOf = (c: Context) => {
    const id = c.identity?.attributes?.cookieSessionId;
    if (typeof id !== 'string') {
      throw httpError('HTTP_NOT_FOUND', {
        detail: 'this request is not authenticated by a session cookie',
      });
    }
    return id;
  };

  app.group('/api/v1/auth/session', { tags: ['auth'] }, (session) => {
    session.route({
      method: 'POST',
      path: '',
      auth: 'public',
      middleware: signInLimits,
      summary: 'Sign in a browser: sets the session cookie, returns the CSRF token',
      schema: { body: loginBody, responses: { 201: browserSession } },
      handler: async (c) => {
        sessions.checkOrigin(c);
        await startSession(
          c,
          await auth.verifyCredentials({ ...c.input.body, ip: c.remoteAddress }),
        );
      },
    });

    session.route({
      method: 'POST',
      path: '/mfa',
      auth: 'public',
      middleware: signInLimits,
      summary: 'Second step of a browser sign-in for accounts with a second factor',
      schema: { body: mfaLoginBody, responses: { 201: browserSession } },
      handler: async (c) => {
        sessions.checkOrigin(c);
        const { mfaToken, code, recoveryCode } = c.input.body;
        const user = await auth.completeMfa({
          mfaToken,
          factor: { code, recoveryCode },
          ip: c.remoteAddress,
        });
        await startSession(c, user);
      },
    });

    session.route({
      method: 'GET',
      path: '',
      summary: 'The current browser session and its CSRF token',
      schema: { responses: { 200: browserSession } },
      handler: (c) => {
        cookieSessionOf(c);
        const token = cookieValue(c.header('cookie') ?? '', sessions.cookieName)!;
        c.set('cache-control', cacheControl.noStore);
        return {
          csrfToken: sessions.csrfTokenFor(token),
          expiresAt: String(c.identity!.attributes!.cookieSessionExpiresAt),
        };
      },
    });

    session.route({
      method: 'DELETE',
      path: '',
      summary: 'Sign out this browser session',
      schema: { responses: { 204: { description: 'Signed out' } } },
      handler: async (c) => {
        await sessions.end(cookieSessionOf(c));
        c.append('set-cookie', sessions.clearCookie());
        c.noContent();
      },
    });
  });
}
