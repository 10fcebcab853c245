// Browser sign-in with a cookie session: `POST /api/v1/auth/session` (and its
// MFA step) sets the cookie and returns the CSRF token; `GET` hands the token
// to a page that reloaded; `DELETE` signs out. Creating a session checks
// Origin too, against login CSRF (a foreign page signing the victim into the
// attacker's account).

import type { App } from '../../http/app.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { httpError } from '../../http/errors.ts';
import type { Middleware } from '../../http/pipeline/pipeline.ts';
import type { User } from '../users/schemas.ts';
import { cookieValue } from './authenticate.ts';
import { browserSession, loginBody, mfaLoginBody } from './schemas.ts';
import type { AuthService } from './service.ts';
import type { Sessions } from './sessions.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';

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

  app.group('/api/v1/auth/session', { tags: ['auth'], errors: DATABASE_ERRORS }, (session) => {
    session.route({
      method: 'POST',
      path: '',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'startBrowserSession',
      summary: 'Sign in a browser',
      description:
        'For web pages on an allowed origin: checks the credentials like signIn, sets the HttpOnly session cookie and answers with the CSRF token that unsafe requests must send as X-CSRF-Token. A request from another origin is 403 AUTH_CSRF_FAILED (login CSRF). An account with a second factor gets 401 AUTH_MFA_REQUIRED; finish with startBrowserSessionWithSecondFactor.',
      errors: [
        'AUTH_CSRF_FAILED',
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_MFA_REQUIRED',
        'AUTH_TOO_MANY_ATTEMPTS',
      ],
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
      operationId: 'startBrowserSessionWithSecondFactor',
      summary: 'Finish a browser sign-in with the second factor',
      description:
        'As signInWithSecondFactor, but starts a cookie session like startBrowserSession.',
      errors: [
        'AUTH_CSRF_FAILED',
        'AUTH_MFA_CHALLENGE_INVALID',
        'AUTH_MFA_INVALID_CODE',
        'AUTH_TOO_MANY_ATTEMPTS',
      ],
      schema: { body: mfaLoginBody, responses: { 201: browserSession } },
      handler: async (c) => {
        sessions.checkOrigin(c);
        const { mfaToken, code, recoveryCode, passkey } = c.input.body;
        const user = await auth.completeMfa({
          mfaToken,
          factor: { code, recoveryCode, passkey },
          ip: c.remoteAddress,
        });
        await startSession(c, user);
      },
    });

    session.route({
      method: 'GET',
      path: '',
      operationId: 'getBrowserSession',
      summary: 'The current browser session',
      description:
        'For a page that reloaded: the CSRF token of the session cookie sent with the request, and when the session expires. 404 HTTP_NOT_FOUND when the request is authenticated otherwise than by a session cookie.',
      errors: ['HTTP_NOT_FOUND'],
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
      operationId: 'endBrowserSession',
      summary: 'Sign out this browser',
      description:
        'Ends the session of the cookie sent with the request and clears the cookie. 404 HTTP_NOT_FOUND when the request is authenticated otherwise than by a session cookie.',
      errors: ['HTTP_NOT_FOUND'],
      schema: { responses: { 204: { description: 'Signed out' } } },
      handler: async (c) => {
        await sessions.end(cookieSessionOf(c));
        c.append('set-cookie', sessions.clearCookie());
        c.noContent();
      },
    });
  });
}
