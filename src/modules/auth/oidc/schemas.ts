import { z } from 'zod';
import { pgText } from '../../../platform/sql/pg-values.ts';

export const providerParams = z.strictObject({
  provider: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'expected a provider id' }),
});

export const startQuery = z.strictObject({
  response: z.enum(['session', 'tokens']).default('session').meta({
    description:
      'What the callback answers with: a browser session (cookie + CSRF token) or a token pair',
  }),
});

// Providers may add parameters of their own (session_state…): kept, ignored.
export const callbackQuery = z.looseObject({
  state: pgText().max(512).optional(),
  code: z.string().max(4096).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

export const linkConfirmation = z
  .strictObject({
    linkToken: pgText().min(1).max(200),
  })
  // secret-scan: example (a made-up value for the API document)
  .meta({ example: { linkToken: 'lt_V3kP9sQm2xB7nR4cL8wZ1tYd6JfH0uA5oGiEeN' } });

export const linkedIdentities = z
  .strictObject({
    items: z.array(
      z.strictObject({
        id: z.string(),
        provider: z.string(),
        email: z.string().nullable(),
        createdAt: z.iso.datetime(),
        lastUsedAt: z.iso.datetime().nullable(),
      }),
    ),
  })
  .meta({
    id: 'LinkedIdentities',
    example: {
      items: [
        {
          id: '4',
          provider: 'google',
          email: 'ann@example.com',
          createdAt: '2026-11-15T11:20:00.000Z',
          lastUsedAt: '2026-12-06T08:03:12.000Z',
        },
      ],
    },
  });
