// Account recovery and upkeep endpoints: email verification, forgotten and
// changed passwords. The public ones answer the same way whether or not an
// account is involved; 202 means "accepted, the email (if any) follows".

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import type { Middleware } from '../../http/pipeline.ts';
import { cacheControl } from '../../http/cache-control.ts';
import { email, newPassword, password } from '../users/schemas.ts';
import type { AccountService } from './account-service.ts';
import { actorOf } from './authenticate.ts';

// Generous bounds: a real token is 43 characters; anything else is simply not found.
const accountToken = z.string().min(1).max(200);

const accepted = z.strictObject({ message: z.string() }).meta({ id: 'AccountRequestAccepted' });

const RESET_ACCEPTED = {
  message: 'If an account exists for this address, a link to reset its password is on its way.',
};
const RESEND_ACCEPTED = {
  message: 'If the address is not verified yet, a new verification link is on its way.',
};

export function registerAccountRoutes(
  app: App,
  accounts: AccountService,
  options: { readonly signInLimits?: readonly Middleware[] } = {},
): void {
  app.group('/api/v1', { tags: ['auth'] }, (v1) => {
    v1.route({
      method: 'POST',
      path: '/auth/verify-email',
      auth: 'public',
      summary: 'Confirm the account’s email address with the token from the verification email',
      schema: {
        body: z.strictObject({ token: accountToken }),
        responses: { 204: { description: 'Verified' } },
      },
      handler: async (c) => {
        await accounts.verifyEmail({ token: c.input.body.token, ip: c.remoteAddress });
        c.noContent();
      },
    });

    v1.route({
      method: 'POST',
      path: '/auth/verify-email/resend',
      permissions: ['credentials:manage'],
      summary: 'Send a new verification email (nothing happens when already verified)',
      schema: { responses: { 202: { description: 'Accepted', schema: accepted } } },
      handler: async (c) => {
        const actor = actorOf(c);
        await accounts.resendVerification({ id: actor.id, ip: actor.ip });
        c.json(RESEND_ACCEPTED, 202);
      },
    });

    v1.route({
      method: 'POST',
      path: '/auth/password/forgot',
      auth: 'public',
      middleware: options.signInLimits ?? [],
      summary: 'Email a password-reset link, if an account exists for the address',
      schema: {
        body: z.strictObject({ email }),
        responses: { 202: { description: 'Accepted', schema: accepted } },
      },
      handler: (c) => {
        accounts.requestPasswordReset({ email: c.input.body.email, ip: c.remoteAddress });
        c.set('cache-control', cacheControl.noStore);
        c.json(RESET_ACCEPTED, 202);
      },
    });

    v1.route({
      method: 'POST',
      path: '/auth/password/reset',
      auth: 'public',
      summary: 'Choose a new password with the token from the reset email; ends every session',
      schema: {
        body: z.strictObject({ token: accountToken, password: newPassword }),
        responses: { 204: { description: 'Password replaced' } },
      },
      handler: async (c) => {
        const { token, password: newPassword } = c.input.body;
        await accounts.resetPassword({ token, password: newPassword, ip: c.remoteAddress });
        c.noContent();
      },
    });

    v1.route({
      method: 'POST',
      path: '/me/password',
      permissions: ['credentials:manage'],
      summary: 'Change the signed-in user’s password; ends their other sessions',
      schema: {
        body: z.strictObject({ currentPassword: password, newPassword }),
        responses: { 204: { description: 'Password changed' } },
      },
      handler: async (c) => {
        const actor = actorOf(c);
        // The caller's own sign-in survives: a bearer token names its
        // refresh-token family, a cookie session its session row.
        const attributes = c.identity?.attributes;
        const sessionId = attributes?.sessionId ?? attributes?.cookieSessionId;
        await accounts.changePassword(
          {
            id: actor.id,
            ip: actor.ip,
            sessionId: typeof sessionId === 'string' ? sessionId : undefined,
          },
          c.input.body,
        );
        c.noContent();
      },
    });
  });
}
