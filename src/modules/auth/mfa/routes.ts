// Second-factor management for the signed-in user. `credentials:manage` is a
// permission no API key carries, so only the person (password, session or
// access token) can switch the factor on or off.

import type { App } from '../../../http/app.ts';
import { cacheControl } from '../../../http/response/cache-control.ts';
import type { UsersService } from '../../users/service.ts';
import { actorOf } from '../../../http/pipeline/actor.ts';
import {
  mfaConfirmBody,
  mfaEnrolment,
  mfaStatus,
  recoveryCodes,
  secondFactorBody,
} from '../schemas.ts';
import type { MfaService } from './service.ts';
import { DATABASE_ERRORS } from '../../../platform/sql/sql-errors.ts';

export function registerMfaRoutes(app: App, deps: { mfa: MfaService; users: UsersService }): void {
  const { mfa, users } = deps;
  app.group(
    '/api/v1/me/mfa',
    { tags: ['auth'], permissions: ['credentials:manage'], errors: DATABASE_ERRORS },
    (me) => {
      me.route({
        method: 'GET',
        path: '',
        operationId: 'getSecondFactorStatus',
        summary: 'Second-factor status',
        description:
          'Whether the signed-in user has a second factor — an authenticator app, passkeys or both — and how many unused recovery codes are left. `enabled` is true exactly when a password sign-in asks for a second step. The routes below manage the authenticator app only; passkeys are managed under /api/v1/account/passkeys.',
        schema: { responses: { 200: mfaStatus } },
        handler: (c) => {
          c.set('cache-control', cacheControl.noStore);
          return mfa.status(actorOf(c).id);
        },
      });

      me.route({
        method: 'POST',
        path: '/totp',
        operationId: 'startTotpEnrolment',
        summary: 'Start setting up an authenticator app',
        description:
          'Answers with a new TOTP secret and an otpauth:// URI to show as a QR code. Nothing is on until confirmTotpEnrolment; starting again replaces a pending secret. 409 AUTH_MFA_ALREADY_ENABLED when a second factor is already on.',
        errors: ['AUTH_MFA_ALREADY_ENABLED', 'USERS_NOT_FOUND'],
        schema: { responses: { 201: mfaEnrolment } },
        handler: async (c) => {
          const actor = actorOf(c);
          const user = await users.get(actor, actor.id);
          c.set('cache-control', cacheControl.noStore);
          c.json(await mfa.enrol({ id: user.id, email: user.email }), 201);
        },
      });

      me.route({
        method: 'POST',
        path: '/totp/confirm',
        operationId: 'confirmTotpEnrolment',
        summary: 'Switch the second factor on',
        description:
          'Takes a first code from the authenticator app for the pending secret and switches the second factor on. The answer holds the recovery codes, shown only this once: each signs in once when the app is lost.',
        errors: ['AUTH_MFA_CODE_MISMATCH', 'AUTH_MFA_ALREADY_ENABLED'],
        schema: { body: mfaConfirmBody, responses: { 200: recoveryCodes } },
        handler: async (c) => {
          const actor = actorOf(c);
          c.set('cache-control', cacheControl.noStore);
          return mfa.confirm(actor.id, c.input.body.code, actor.ip);
        },
      });

      me.route({
        method: 'POST',
        path: '/disable',
        operationId: 'disableSecondFactor',
        summary: 'Switch the second factor off',
        description:
          'Needs a current code from the authenticator app or an unused recovery code (422 AUTH_MFA_CODE_MISMATCH otherwise). 409 AUTH_MFA_NOT_ENABLED when it is not on.',
        errors: ['AUTH_MFA_NOT_ENABLED', 'AUTH_MFA_CODE_MISMATCH'],
        schema: { body: secondFactorBody, responses: { 204: { description: 'Disabled' } } },
        handler: async (c) => {
          const actor = actorOf(c);
          await mfa.disable(actor.id, c.input.body, actor.ip);
          c.noContent();
        },
      });
    },
  );
}
