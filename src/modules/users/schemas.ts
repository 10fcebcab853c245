// Users on the wire. Emails are normalised (trimmed, lower-cased) before
// validation; password hashes and internal flags are never serialised.

import { z } from 'zod';
import { atLeastOneMember } from '../../http/request/input-rules.ts';
import { pgText } from '../../platform/sql/pg-values.ts';
import {
  codePointLength,
  isCommonPassword,
  isSameAsEmail,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PASSWORD_POLICY_TEXT,
  PASSWORD_SAME_AS_EMAIL,
  PASSWORD_TOO_COMMON,
  PASSWORD_TOO_LONG,
  PASSWORD_TOO_SHORT,
} from './password-policy.ts';

/**
 * An email address as input: trimmed and lower-cased, then checked (the
 * format check comes after the normalisation, so `  Ann@Example.com ` is
 * taken), at most 254 characters. In the document as `format: email` with
 * the pattern the server applies.
 */
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .check(z.email({ error: 'not a valid email address' }))
  .max(254)
  .meta({ example: 'ann@example.com' });

/**
 * Text counted in Unicode code points, as the password policy and JSON
 * Schema's minLength/maxLength count it (zod's own min/max count UTF-16
 * units, so an emoji would count twice).
 */
function codePoints(min: number, max: number) {
  return pgText()
    .superRefine((text, ctx) => {
      const length = codePointLength(text);
      if (length < min) {
        ctx.addIssue({
          code: 'too_small',
          origin: 'string',
          minimum: min,
          inclusive: true,
          input: text,
          message: min === 1 ? 'must not be empty' : PASSWORD_TOO_SHORT,
        });
      } else if (length > max) {
        ctx.addIssue({
          code: 'too_big',
          origin: 'string',
          maximum: max,
          inclusive: true,
          input: text,
          message: PASSWORD_TOO_LONG,
        });
      }
    })
    .meta({ minLength: min, maxLength: max });
}

/** For the document's examples: a passphrase the policy takes (a sample, never a real one). */
export const EXAMPLE_PASSWORD = 'plum-kettle-harbour-42';

/** A password being checked (sign-in, the current one): any the policy ever allowed. */
export const password = codePoints(1, PASSWORD_MAX_LENGTH);

/**
 * A password being chosen (sign-up, reset, change): the policy, all but the
 * email rule, which needs the account's email and is checked where it is
 * known (the registration body below; the service for reset and change).
 */
export const newPassword = codePoints(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  .refine((text) => !isCommonPassword(text), {
    message: PASSWORD_TOO_COMMON,
    params: { code: 'too_common' },
  })
  .meta({
    minLength: PASSWORD_MIN_LENGTH,
    maxLength: PASSWORD_MAX_LENGTH,
    description: PASSWORD_POLICY_TEXT,
  });

/** For the document's examples: one user, as the profile, the admin list and the reads show it. */
export const EXAMPLE_USER = {
  id: '7',
  email: 'ann@example.com',
  displayName: 'Ann Lee',
  role: 'customer',
  emailVerified: true,
  createdAt: '2026-11-02T09:14:05.000Z',
  updatedAt: '2026-11-20T16:41:37.000Z',
};

export const user = z
  .strictObject({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(['admin', 'editor', 'customer']),
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'User', example: EXAMPLE_USER });

export type User = z.infer<typeof user>;

export const registration = z
  .strictObject({
    email,
    password: newPassword,
    displayName: pgText().trim().max(100).optional(),
  })
  .refine(
    (body) =>
      typeof body.password !== 'string' ||
      typeof body.email !== 'string' ||
      !isSameAsEmail(body.password, body.email),
    {
      path: ['password'],
      message: PASSWORD_SAME_AS_EMAIL,
      params: { code: 'same_as_email' },
      // Also when the other members failed: one 422 lists every problem.
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  )
  .meta({
    example: { email: 'ann@example.com', password: EXAMPLE_PASSWORD, displayName: 'Ann Lee' },
  });

export const profilePatch = atLeastOneMember(
  z.strictObject({ displayName: pgText().trim().min(1).max(100) }).partial(),
).meta({ example: { displayName: 'Ann Lee' } });
