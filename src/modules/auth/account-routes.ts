// Account recovery and upkeep endpoints: email verification, forgotten and
// changed passwords. The public ones answer the same way whether or not an
// account is involved; 202 means "accepted, the email (if any) follows".

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import type { Middleware } from '../../http/pipeline/pipeline.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { email, EXAMPLE_PASSWORD, newPassword, password } from '../users/schemas.ts';
import { EXAMPLE_TOKEN } from './schemas.ts';
import type { AccountService } from './account-service.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';

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
  app.group('/api/v1', { tags: ['auth'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'POST',
      path: '/auth/verify-email',
      auth: 'public',
      operationId: 'verifyEmail',
      summary: 'Confirm an email address',
      description:
        'Takes the token from the link in the verification email. A token that is unknown, used or expired is 400 AUTH_ACCOUNT_TOKEN_INVALID; request a new email with resendVerificationEmail.',
      errors: ['AUTH_ACCOUNT_TOKEN_INVALID'],
      schema: {
        body: z.strictObject({ token: accountToken }).meta({ example: { token: EXAMPLE_TOKEN } }),
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
      operationId: 'resendVerificationEmail',
      summary: 'Send the verification email again',
      description:
        'Sends the signed-in user a new verification link, which replaces the previous one. Answers 202 either way; nothing is sent when the address is already verified.',
      errors: ['USERS_NOT_FOUND'],
      schema: {
        responses: {
          202: { description: 'Accepted', schema: accepted.meta({ example: RESEND_ACCEPTED }) },
        },
      },
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
      operationId: 'requestPasswordReset',
      summary: 'Email a password-reset link',
      description:
        'Answers 202 with the same message whether or not an account exists for the address, so the answer cannot be used to find accounts. The link holds a one-time token for resetPassword.',
      schema: {
        body: z.strictObject({ email }).meta({ example: { email: 'ann@example.com' } }),
        responses: {
          202: { description: 'Accepted', schema: accepted.meta({ example: RESET_ACCEPTED }) },
        },
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
      operationId: 'resetPassword',
      summary: 'Set a new password with a reset token',
      description:
        'Takes the token from the reset email and the new password, which must meet the policy. Every session and refresh token of the account ends: sign in again everywhere.',
      errors: ['AUTH_ACCOUNT_TOKEN_INVALID', 'USERS_WEAK_PASSWORD'],
      schema: {
        body: z
          .strictObject({ token: accountToken, password: newPassword })
          .meta({ example: { token: EXAMPLE_TOKEN, password: 'quiet-lantern-meadow-7' } }),
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
      operationId: 'changePassword',
      summary: 'Change your password',
      description:
        'Needs the current password (403 AUTH_CURRENT_PASSWORD_INVALID otherwise) and a new one that meets the policy. Every other session of the user ends; the one making the request stays signed in. Not available to API keys.',
      errors: ['AUTH_CURRENT_PASSWORD_INVALID', 'USERS_WEAK_PASSWORD', 'USERS_NOT_FOUND'],
      schema: {
        body: z.strictObject({ currentPassword: password, newPassword }).meta({
          example: { currentPassword: EXAMPLE_PASSWORD, newPassword: 'quiet-lantern-meadow-7' },
        }),
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
