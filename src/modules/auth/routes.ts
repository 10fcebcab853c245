// Authentication endpoints. Login and refresh answer with `Cache-Control:
// no-store` (RFC 6749 §5.1): tokens must never sit in a cache.

import type { App } from '../../http/app.ts';
import type { Middleware } from '../../http/pipeline.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { user } from '../users/schemas.ts';
import { registration } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { actorOf } from './authenticate.ts';
import { jwks, loginBody, mfaLoginBody, refreshBody, tokenPair } from './schemas.ts';
import type { AuthService } from './service.ts';

export function registerAuthRoutes(
  app: App,
  deps: {
    auth: AuthService;
    users: UsersService;
    jwks: () => unknown;
    /** Rate limits for the routes that take credentials or create accounts. */
    signInLimits?: readonly Middleware[];
  },
): void {
  const signInLimits = deps.signInLimits ?? [];
  app.get(
    '/.well-known/jwks.json',
    (c) => {
      c.set('cache-control', cacheControl({ visibility: 'public', maxAge: 300 }));
      return deps.jwks();
    },
    {
      auth: 'public',
      tags: ['auth'],
      summary: 'Public keys that verify access tokens',
      schema: { responses: { 200: jwks } },
    },
  );

  app.group('/api/v1/auth', { tags: ['auth'] }, (auth) => {
    auth.route({
      method: 'POST',
      path: '/register',
      auth: 'public',
      middleware: signInLimits,
      summary: 'Create an account',
      schema: { body: registration, responses: { 201: { description: 'Created', schema: user } } },
      handler: async (c) => {
        const created = await deps.users.register(c.input.body, c.remoteAddress);
        c.created(`/api/v1/users/${created.id}`, created);
      },
    });

    auth.route({
      method: 'POST',
      path: '/login',
      auth: 'public',
      middleware: signInLimits,
      summary: 'Exchange credentials for an access token and a refresh token',
      schema: { body: loginBody, responses: { 200: tokenPair } },
      handler: async (c) => {
        const pair = await deps.auth.login({ ...c.input.body, ip: c.remoteAddress });
        c.set('cache-control', cacheControl.noStore);
        return pair;
      },
    });

    auth.route({
      method: 'POST',
      path: '/login/mfa',
      auth: 'public',
      middleware: signInLimits,
      summary: 'Second login step for accounts with a second factor: mfaToken + code',
      schema: { body: mfaLoginBody, responses: { 200: tokenPair } },
      handler: async (c) => {
        const { mfaToken, code, recoveryCode } = c.input.body;
        const user = await deps.auth.completeMfa({
          mfaToken,
          factor: { code, recoveryCode },
          ip: c.remoteAddress,
        });
        c.set('cache-control', cacheControl.noStore);
        return deps.auth.issueTokens(user);
      },
    });

    auth.route({
      method: 'POST',
      path: '/refresh',
      auth: 'public',
      summary: 'Rotate a refresh token; reusing an old one revokes the session',
      schema: { body: refreshBody, responses: { 200: tokenPair } },
      handler: async (c) => {
        const pair = await deps.auth.refresh({ ...c.input.body, ip: c.remoteAddress });
        c.set('cache-control', cacheControl.noStore);
        return pair;
      },
    });

    auth.route({
      method: 'POST',
      path: '/logout',
      summary: 'Revoke the current session (its refresh tokens)',
      schema: { responses: { 204: { description: 'Logged out' } } },
      handler: async (c) => {
        const actor = actorOf(c);
        const sessionId = c.identity?.attributes?.sessionId;
        if (typeof sessionId === 'string') {
          await deps.auth.logout({ sessionId, userId: actor.id, ip: actor.ip });
        }
        c.noContent();
      },
    });
  });
}
