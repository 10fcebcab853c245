// Authentication endpoints. Login and refresh answer with `Cache-Control:
// no-store` (RFC 6749 §5.1): tokens must never sit in a cache.

import type { App } from '../../http/app.ts';
import type { Middleware } from '../../http/pipeline/pipeline.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { EXAMPLE_USER, registration, user } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { jwks, loginBody, mfaLoginBody, refreshBody, tokenPair } from './schemas.ts';
import type { AuthService } from './service.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';

/** A new account: a customer whose address is not verified yet. */
const registeredUser = user.meta({
  example: {
    ...EXAMPLE_USER,
    emailVerified: false,
    createdAt: '2026-11-02T09:14:05.000Z',
    updatedAt: '2026-11-02T09:14:05.000Z',
  },
});

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
      operationId: 'getJwks',
      summary: 'Public keys that verify access tokens',
      description:
        "The JSON Web Key Set of the EdDSA keys that sign access tokens, for services that verify tokens themselves. Select the key by the token header's `kid`; keys rotate, so fetch the set again when a `kid` is unknown. Cacheable for five minutes.",
      schema: { responses: { 200: jwks } },
    },
  );

  app.group('/api/v1/auth', { tags: ['auth'], errors: DATABASE_ERRORS }, (auth) => {
    auth.route({
      method: 'POST',
      path: '/register',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'registerAccount',
      summary: 'Create an account',
      description:
        'Creates a customer account and sends a verification email; answers with the user, not with tokens (sign in next). The password must meet the policy (422 USERS_WEAK_PASSWORD names what is missing); an address already registered is 409 USERS_EMAIL_TAKEN.',
      errors: ['USERS_EMAIL_TAKEN', 'USERS_WEAK_PASSWORD'],
      schema: {
        body: registration,
        responses: { 201: { description: 'Created', schema: registeredUser } },
      },
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
      operationId: 'signIn',
      summary: 'Sign in for an access token and a refresh token',
      description:
        'Exchanges email and password for a token pair. Wrong credentials are 401 AUTH_INVALID_CREDENTIALS, whichever part was wrong; repeated failures lock the account and the client address out for a while (429 AUTH_TOO_MANY_ATTEMPTS with Retry-After). An account with a second factor gets 401 AUTH_MFA_REQUIRED carrying `mfaToken`: finish with signInWithSecondFactor. Never cached.',
      errors: ['AUTH_INVALID_CREDENTIALS', 'AUTH_MFA_REQUIRED', 'AUTH_TOO_MANY_ATTEMPTS'],
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
      operationId: 'signInWithSecondFactor',
      summary: 'Finish signing in with the second factor',
      description:
        'Sends the `mfaToken` from AUTH_MFA_REQUIRED with a current authenticator code or an unused recovery code, and answers with the token pair. The challenge expires and allows a few attempts (401 AUTH_MFA_CHALLENGE_INVALID after that: sign in again); a wrong code is 401 AUTH_MFA_INVALID_CODE.',
      errors: ['AUTH_MFA_CHALLENGE_INVALID', 'AUTH_MFA_INVALID_CODE', 'AUTH_TOO_MANY_ATTEMPTS'],
      schema: { body: mfaLoginBody, responses: { 200: tokenPair } },
      handler: async (c) => {
        const { mfaToken, code, recoveryCode, passkey } = c.input.body;
        const user = await deps.auth.completeMfa({
          mfaToken,
          factor: { code, recoveryCode, passkey },
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
      operationId: 'refreshTokens',
      summary: 'Swap a refresh token for a new token pair',
      description:
        "Each refresh token works once and is replaced by the new pair's. Presenting one that was already used means it leaked or a client raced itself: the whole sign-in is revoked (401 AUTH_REFRESH_REUSED) and the user must sign in again. An unknown or expired token is 401 AUTH_REFRESH_INVALID.",
      errors: ['AUTH_REFRESH_INVALID', 'AUTH_REFRESH_REUSED'],
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
      operationId: 'signOut',
      summary: 'Sign out this token session',
      description:
        'Revokes the refresh tokens of the sign-in the access token belongs to. The access token itself stays valid until it expires (minutes); discard it.',
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
