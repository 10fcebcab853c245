// Passkeys over HTTP: the signed-in user's list (register, revoke), the
// password-less sign-in (options, then the assertion: a token pair or a
// browser session) and the options for the second step of a password
// sign-in (the assertion then goes to signInWithSecondFactor as `passkey`).
// Every ceremony is two calls: options (a challenge, remembered with a
// `ceremonyId` for five minutes) and the response to exactly that challenge.

import type { App } from '../../../http/app.ts';
import type { Context } from '../../../http/pipeline/context.ts';
import type { Middleware } from '../../../http/pipeline/pipeline.ts';
import { actorOf } from '../../../http/pipeline/actor.ts';
import { cacheControl } from '../../../http/response/cache-control.ts';
import { DATABASE_ERRORS } from '../../../platform/sql/sql-errors.ts';
import type { UsersService } from '../../users/service.ts';
import { findUserById } from '../../users/repo.ts';
import type { SqlDatabase } from '../../../ports/sql.ts';
import { browserSession, tokenPair } from '../schemas.ts';
import type { AuthService } from '../service.ts';
import type { Sessions } from '../sessions.ts';
import type { AuthDatabase } from '../tables.ts';
import { passkeyError } from './errors.ts';
import type { StoredPasskey } from './repo.ts';
import {
  creationCeremony,
  EXAMPLE_SECOND_FACTOR_CEREMONY,
  mfaPasskeyOptionsBody,
  passkeyAssertion,
  passkeyList,
  passkeyParams,
  passkeyRegistration,
  passkeySummary,
  requestCeremony,
} from './schemas.ts';
import type { PasskeyAssertion, PasskeyService } from './service.ts';

const summaryOf = (passkey: StoredPasskey) => ({
  id: passkey.id,
  name: passkey.name,
  deviceType: passkey.deviceType,
  backedUp: passkey.backedUp,
  createdAt: passkey.createdAt.toISOString(),
  lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
});

export function registerPasskeyRoutes(
  app: App,
  deps: {
    passkeys: PasskeyService;
    users: UsersService;
    auth: Pick<AuthService, 'admit' | 'issueTokens'>;
    sessions: Sessions;
    sql: SqlDatabase<AuthDatabase>;
    signInLimits?: readonly Middleware[];
  },
): void {
  const { passkeys, sessions } = deps;
  const signInLimits = deps.signInLimits ?? [];

  /** The password-less assertion, checked, and the user let in (a user-verified passkey is multi-factor). */
  async function signedIn(c: Context, body: PasskeyAssertion) {
    const userId = await passkeys.signIn(body, c.remoteAddress);
    const user = await findUserById(deps.sql.db, userId);
    if (user === undefined) throw passkeyError('AUTH_PASSKEY_INVALID');
    return deps.auth.admit(user, { ip: c.remoteAddress, method: 'passkey', multiFactor: true });
  }

  app.group(
    '/api/v1/account/passkeys',
    { tags: ['auth'], permissions: ['credentials:manage'], errors: DATABASE_ERRORS },
    (me) => {
      me.route({
        method: 'GET',
        path: '',
        operationId: 'listPasskeys',
        summary: "This account's passkeys",
        description: 'The passkeys that can sign in to this account, revoked ones left out.',
        schema: { responses: { 200: passkeyList } },
        handler: async (c) => {
          c.set('cache-control', cacheControl.noStore);
          return { items: (await passkeys.list(actorOf(c).id)).map(summaryOf) };
        },
      });

      me.route({
        method: 'POST',
        path: '/registration/options',
        operationId: 'startPasskeyRegistration',
        summary: 'Start registering a passkey',
        description:
          "Options for navigator.credentials.create(): a fresh challenge, this service as relying party, a discoverable credential with user verification, attestation 'none', the account's passkeys excluded. Send the result to finishPasskeyRegistration with `ceremonyId` within five minutes.",
        errors: ['USERS_NOT_FOUND'],
        schema: { responses: { 200: creationCeremony } },
        handler: async (c) => {
          const actor = actorOf(c);
          const user = await deps.users.get(actor, actor.id);
          c.set('cache-control', cacheControl.noStore);
          return passkeys.registrationOptions(user);
        },
      });

      me.route({
        method: 'POST',
        path: '/registration/verify',
        operationId: 'finishPasskeyRegistration',
        summary: 'Register a passkey',
        description:
          'Checks the new credential against the ceremony (challenge, origin, RP ID, user presence and verification) and stores its public key. From then on the passkey signs in without a password and is also a second factor for the password sign-in. 401 AUTH_PASSKEY_CEREMONY_INVALID for an unknown, expired, used or someone else’s ceremony; 422 AUTH_PASSKEY_REGISTRATION_FAILED when the credential does not check out.',
        errors: ['AUTH_PASSKEY_CEREMONY_INVALID', 'AUTH_PASSKEY_REGISTRATION_FAILED'],
        schema: { body: passkeyRegistration, responses: { 201: passkeySummary } },
        handler: async (c) => {
          const actor = actorOf(c);
          const stored = await passkeys.register({
            userId: actor.id,
            ceremonyId: c.input.body.ceremonyId,
            credential: c.input.body.credential,
            name: c.input.body.name,
            ip: actor.ip,
          });
          c.created(`/api/v1/account/passkeys/${stored.id}`, summaryOf(stored));
        },
      });

      me.route({
        method: 'DELETE',
        path: '/:id',
        operationId: 'revokePasskey',
        summary: 'Revoke a passkey',
        description:
          'The passkey no longer signs in nor passes the second step. 404 AUTH_PASSKEY_NOT_FOUND when it is not one of this account’s live passkeys.',
        errors: ['AUTH_PASSKEY_NOT_FOUND'],
        schema: { params: passkeyParams, responses: { 204: { description: 'Revoked' } } },
        handler: async (c) => {
          const actor = actorOf(c);
          await passkeys.revoke(actor.id, c.input.params.id, actor.ip);
          c.noContent();
        },
      });
    },
  );

  app.group('/api/v1/auth', { tags: ['auth'], errors: DATABASE_ERRORS }, (group) => {
    group.route({
      method: 'POST',
      path: '/passkey/options',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'startPasskeySignIn',
      summary: 'Start a password-less sign-in',
      description:
        'Options for navigator.credentials.get(): a fresh challenge and user verification required; no credential list, so the authenticator offers its discoverable passkeys. Send the assertion to signInWithPasskey or startBrowserSessionWithPasskey within five minutes.',
      schema: { responses: { 200: requestCeremony } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        return passkeys.signInOptions();
      },
    });

    group.route({
      method: 'POST',
      path: '/passkey',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'signInWithPasskey',
      summary: 'Sign in with a passkey',
      description:
        'Checks the assertion (challenge, origin, RP ID, user presence and verification, signature, a growing signature counter) against a live passkey and answers with a token pair. A user-verified passkey is two factors in one: no second step. 401 AUTH_PASSKEY_CEREMONY_INVALID for an unknown, expired or used ceremony, 401 AUTH_PASSKEY_INVALID for anything else (unknown or revoked passkey, bad signature, a counter that did not grow: a cloned authenticator).',
      errors: ['AUTH_PASSKEY_CEREMONY_INVALID', 'AUTH_PASSKEY_INVALID'],
      schema: { body: passkeyAssertion, responses: { 200: tokenPair } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        return deps.auth.issueTokens(await signedIn(c, c.input.body));
      },
    });

    group.route({
      method: 'POST',
      path: '/session/passkey',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'startBrowserSessionWithPasskey',
      summary: 'Sign in a browser with a passkey',
      description:
        'As signInWithPasskey, but starts a cookie session like startBrowserSession (and checks Origin the same way: 403 AUTH_CSRF_FAILED).',
      errors: ['AUTH_CSRF_FAILED', 'AUTH_PASSKEY_CEREMONY_INVALID', 'AUTH_PASSKEY_INVALID'],
      schema: { body: passkeyAssertion, responses: { 201: browserSession } },
      handler: async (c) => {
        sessions.checkOrigin(c);
        const user = await signedIn(c, c.input.body);
        const started = await sessions.start(user.id, {
          ip: c.remoteAddress,
          userAgent: c.header('user-agent'),
        });
        c.append('set-cookie', sessions.cookie(started.token));
        c.set('cache-control', cacheControl.noStore);
        c.json({ csrfToken: started.csrfToken, expiresAt: started.expiresAt.toISOString() }, 201);
      },
    });

    group.route({
      method: 'POST',
      path: '/login/mfa/passkey',
      auth: 'public',
      middleware: signInLimits,
      operationId: 'startPasskeySecondFactor',
      summary: 'Passkey options for the second step',
      description:
        "For an AUTH_MFA_REQUIRED answer: options for navigator.credentials.get() listing the account's passkeys. Send the assertion as `passkey: { ceremonyId, credential }` with the same `mfaToken` to signInWithSecondFactor or startBrowserSessionWithSecondFactor. 401 AUTH_PASSKEY_CEREMONY_INVALID when the mfaToken is unknown, expired or used.",
      errors: ['AUTH_PASSKEY_CEREMONY_INVALID'],
      schema: {
        body: mfaPasskeyOptionsBody,
        responses: { 200: requestCeremony.meta({ example: EXAMPLE_SECOND_FACTOR_CEREMONY }) },
      },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        return passkeys.secondFactorOptions(c.input.body.mfaToken);
      },
    });
  });
}
