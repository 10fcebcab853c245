// Users on the wire. Emails are normalised (trimmed, lower-cased) before
// validation; password hashes and internal flags are never serialised.

import { z } from 'zod';
import { pgText } from '../../platform/sql/pg-values.ts';

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'not a valid email address' }).max(254))
  .meta({ example: 'ann@example.com' });

/** Length only here: the policy's other rules live in the service (password-policy.ts). */
export const password = z.string().min(1).max(256);

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
  .meta({ id: 'User' });

export type User = z.infer<typeof user>;

export const registration = z.strictObject({
  email,
  password,
  displayName: pgText().trim().max(100).optional(),
});

export const profilePatch = z
  .strictObject({ displayName: pgText().trim().min(1).max(100) })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' });
