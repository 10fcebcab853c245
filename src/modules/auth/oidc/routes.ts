// OpenID Connect sign-in over HTTP. `start` answers 302 to the provider and
// sets a short-lived cookie holding `state`: the callback must come back to
// the same browser (RFC 9700 §4.7, login CSRF). `callback` answers like the
// password sign-in: a browser session (cookie + CSRF token) or a token pair,
// as chosen at start; AUTH_MFA_REQUIRED when the account has a second factor.

import type { App } from '../../../http/app.ts';
import type { Context } from '../../../http/pipeline/context.ts';
import type { Middleware } from '../../../http/pipeline/pipeline.ts';
import { actorOf } from '../../../http/pipeline/actor.ts';
import { cacheControl } from '../../../http/response/cache-control.ts';
import { DATABASE_ERRORS } from '../../../platform/sql/sql-errors.ts';
import { cookieValue } from '../authenticate.ts';
import { browserSession, tokenPair } from '../schemas.ts';
import type { AuthService } from '../service.ts';
import type { Sessions } from '../sessions.ts';
import type { LinkedIdentity } from './repo.ts';
import {
  callbackQuery,
  linkConfirmation,
  linkedIdentities,
  providerParams,
  startQuery,
} from './schemas.ts';
import type { OidcService } from './service.ts';

/** As long as the attempt row lives: a sign-in at the provider rarely takes longer. */
const STATE_COOKIE_MAX_AGE_S = 600;

export function registerOidcRoutes(
  app: App,
  deps: {
    oidc: OidcService;
    auth: Pick<AuthService, 'issueTokens'>;
    sessions: Sessions;
    signInLimits?: readonly Middleware[];
  },
): void {
  const { oidc, sessions } = deps;
  const signInLimits = deps.signInLimits ?? [];
  // Same prefix as the session cookie: `__Host-` pins it to this host, Secure, Path=/.
  const stateCookie = `${sessions.cookieName}-oidc`;
  // Lax: the provider's redirect back is a top-level GET navigation, which Lax lets through.
  const attributes = 'Path=/; HttpOnly; Secure; SameSite=Lax';

  const identitiesBody = (items: LinkedIdentity[]) => ({
    items: items.map((item) => ({
      id: item.id,
      provider: item.provider,
      email: item.email,
      createdAt: item.createdAt.toISOString(),
      lastUsedAt: item.lastUsedAt?.toISOString() ?? null,
    })),
  });

  app.group('/api/v1/auth/oidc', { tags: ['auth'], errors: DATABASE_ERRORS }, (group) => {
    group.route({
      method: 'GET',
      path: '/:provider/start',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'startProviderSignIn',
      summary: 'Sign in with an OpenID Connect provider',
      description:
        "Redirects (302) the browser to the provider's sign-in page with a fresh `state`, `nonce` and PKCE challenge, and sets a short-lived HttpOnly cookie holding `state`; the provider sends the browser back to completeProviderSignIn. `response` picks what that answers with. 404 AUTH_OIDC_PROVIDER_UNKNOWN for a provider not configured; 503 AUTH_OIDC_PROVIDER_UNAVAILABLE when its discovery document cannot be fetched.",
      errors: ['AUTH_OIDC_PROVIDER_UNKNOWN', 'AUTH_OIDC_PROVIDER_UNAVAILABLE'],
      etag: false,
      schema: {
        params: providerParams,
        query: startQuery,
        responses: { 302: { description: "To the provider's authorization endpoint" } },
      },
      handler: async (c) => {
        const { location, state } = await oidc.start(
          c.input.params.provider,
          c.input.query.response,
        );
        c.append(
          'set-cookie',
          `${stateCookie}=${state}; ${attributes}; Max-Age=${STATE_COOKIE_MAX_AGE_S}`,
        );
        c.set('cache-control', cacheControl.noStore);
        c.redirect(location, 302);
      },
    });

    group.route({
      method: 'GET',
      path: '/:provider/callback',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'completeProviderSignIn',
      summary: 'Where the provider sends the browser back',
      description:
        'Checks `state` against the cookie set by startProviderSignIn and the attempt it names (once only: 401 AUTH_OIDC_STATE_INVALID otherwise), exchanges the code with the PKCE verifier and checks the id_token (issuer, audience, expiry, nonce, signature against the provider keys: 401 AUTH_OIDC_REJECTED). A known provider identity signs in to its account; a new one whose verified address an account already has gets 409 AUTH_OIDC_LINK_REQUIRED carrying `linkToken`, which that account confirms with linkProviderIdentity; an address the provider has not verified is 409 AUTH_OIDC_EMAIL_CONFLICT when an account has it and 422 AUTH_OIDC_EMAIL_UNVERIFIED otherwise; else a new account is created. Answers 201 with a browser session or 200 with a token pair, as chosen at start; 401 AUTH_MFA_REQUIRED when the account has a second factor.',
      errors: [
        'AUTH_OIDC_PROVIDER_UNKNOWN',
        'AUTH_OIDC_PROVIDER_UNAVAILABLE',
        'AUTH_OIDC_STATE_INVALID',
        'AUTH_OIDC_DENIED',
        'AUTH_OIDC_REJECTED',
        'AUTH_OIDC_LINK_REQUIRED',
        'AUTH_OIDC_EMAIL_CONFLICT',
        'AUTH_OIDC_EMAIL_MISSING',
        'AUTH_OIDC_EMAIL_UNVERIFIED',
        'AUTH_MFA_REQUIRED',
      ],
      etag: false,
      schema: {
        params: providerParams,
        query: callbackQuery,
        responses: { 200: tokenPair, 201: browserSession },
      },
      handler: async (c) => {
        // Whatever the outcome, the attempt is over.
        c.append('set-cookie', `${stateCookie}=; ${attributes}; Max-Age=0`);
        c.set('cache-control', cacheControl.noStore);
        const { user, kind } = await oidc.complete({
          provider: c.input.params.provider,
          query: c.rawQuery,
          cookieState: cookieValue(c.header('cookie') ?? '', stateCookie),
          ip: c.remoteAddress,
        });
        if (kind === 'tokens') return deps.auth.issueTokens(user);
        await startBrowserSession(c, sessions, user.id);
        return undefined;
      },
    });
  });

  app.group(
    '/api/v1/account/identities',
    { tags: ['auth'], permissions: ['credentials:manage'], errors: DATABASE_ERRORS },
    (me) => {
      me.route({
        method: 'GET',
        path: '',
        operationId: 'listProviderIdentities',
        summary: 'Provider identities linked to this account',
        description:
          'The OpenID Connect identities that sign in to this account, with the address each provider gave when it was linked.',
        schema: { responses: { 200: linkedIdentities } },
        handler: async (c) => {
          c.set('cache-control', cacheControl.noStore);
          return identitiesBody(await oidc.identities(actorOf(c).id));
        },
      });

      me.route({
        method: 'POST',
        path: '',
        operationId: 'linkProviderIdentity',
        summary: 'Confirm linking a provider identity to this account',
        description:
          "Takes the `linkToken` of an AUTH_OIDC_LINK_REQUIRED answer. Only the account the token names can confirm it, signed in the usual way (password, second factor): that is the owner's consent. 404 AUTH_OIDC_LINK_INVALID for an unknown, expired, used or someone else's token; 409 AUTH_OIDC_IDENTITY_TAKEN when the identity got linked elsewhere meanwhile. From then on the provider signs in to this account.",
        errors: ['AUTH_OIDC_LINK_INVALID', 'AUTH_OIDC_IDENTITY_TAKEN'],
        schema: { body: linkConfirmation, responses: { 200: linkedIdentities } },
        handler: async (c) => {
          const actor = actorOf(c);
          c.set('cache-control', cacheControl.noStore);
          return identitiesBody(await oidc.confirmLink(actor.id, c.input.body.linkToken, actor.ip));
        },
      });
    },
  );
}

async function startBrowserSession(c: Context, sessions: Sessions, userId: string): Promise<void> {
  const started = await sessions.start(userId, {
    ip: c.remoteAddress,
    userAgent: c.header('user-agent'),
  });
  c.append('set-cookie', sessions.cookie(started.token));
  c.json({ csrfToken: started.csrfToken, expiresAt: started.expiresAt.toISOString() }, 201);
}
