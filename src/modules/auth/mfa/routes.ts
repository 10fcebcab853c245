// Second-factor management for the signed-in user. `credentials:manage` is a
// permission no API key carries, so only the person (password, session or
// access token) can switch the factor on or off.

import type { App } from '../../../http/app.ts';
import { cacheControl } from '../../../http/cache-control.ts';
import type { UsersService } from '../../users/service.ts';
import { actorOf } from '../authenticate.ts';
import {
  mfaConfirmBody,
  mfaEnrolment,
  mfaStatus,
  recoveryCodes,
  secondFactorBody,
} from '../schemas.ts';
import type { MfaService } from './service.ts';

export function registerMfaRoutes(app: App, deps: { mfa: MfaService; users: UsersService }): void {
  const { mfa, users } = deps;
  app.group('/api/v1/me/mfa', { tags: ['auth'], permissions: ['credentials:manage'] }, (me) => {
    me.route({
      method: 'GET',
      path: '',
      summary: 'Whether the second factor is on, and recovery codes left',
      schema: { responses: { 200: mfaStatus } },
      handler: (c) => {
        c.set('cache-control', cacheControl.noStore);
        return mfa.status(actorOf(c).id);
      },
    });

    me.route({
      method: 'POST',
      path: '/totp',
      summary: 'Start TOTP enrolment: a secret and an otpauth:// URI for a QR code',
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
      summary: 'Finish enrolment with a first code; returns the recovery codes once',
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
      summary: 'Turn the second factor off (needs a current code or a recovery code)',
      schema: { body: secondFactorBody, responses: { 204: { description: 'Disabled' } } },
      handler: async (c) => {
        const actor = actorOf(c);
        await mfa.disable(actor.id, c.input.body, actor.ip);
        c.noContent();
      },
    });
  });
}
