// The mail administration shapes: suppression entries and the disk outbox's
// messages. Timestamps are ISO-8601 UTC, ids strings.

import { z } from 'zod';
import { bigintId, pgText } from '../../platform/sql/pg-values.ts';
import { email } from '../users/schemas.ts';
import { SUPPRESSION_REASONS, type Suppression } from './suppressions.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

export const suppression = z
  .strictObject({
    id: z.string(),
    email: z.string().meta({ description: 'Trimmed and lower-cased' }),
    reason: z.enum(SUPPRESSION_REASONS),
    detail: z.string().meta({ description: 'The provider event and its diagnostic, or a note' }),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'MailSuppression',
    example: {
      id: '31',
      email: 'bounced@example.org',
      reason: 'manual',
      detail: 'Hard bounce reported by the recipient',
      createdAt: '2026-12-07T09:40:00.000Z',
    },
  });

export type SuppressionView = z.infer<typeof suppression>;

export function toSuppressionView(entry: Suppression): SuppressionView {
  return { ...entry, createdAt: entry.createdAt.toISOString() };
}

export const suppressionList = z
  .strictObject({
    data: z.array(suppression),
    links: z.strictObject({ next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        {
          id: '31',
          email: 'bounced@example.org',
          reason: 'manual',
          detail: 'Hard bounce reported by the recipient',
          createdAt: '2026-12-07T09:40:00.000Z',
        },
        {
          id: '29',
          email: 'old.address@example.net',
          reason: 'hard_bounce',
          detail: 'provider event evt_4f1c9a2b: 550 5.1.1 The email account does not exist',
          createdAt: '2026-12-05T22:17:03.000Z',
        },
      ],
      links: { next: '/api/v1/admin/mail/suppressions?limit=2&before=29' },
    },
  });

export const suppressionListQuery = z.strictObject({
  limit: queryInteger(1, 100).default(20),
  before: bigintId.optional(),
});

// Normalised like sign-up's (trimmed, lower-cased), so the entry matches the account.
export const suppressionCreation = z
  .strictObject({
    email,
    detail: pgText().trim().max(500).default(''),
  })
  .meta({
    example: { email: 'bounced@example.org', detail: 'Hard bounce reported by the recipient' },
  });

/** One outbox message by id (the disk outbox names them by UUID). */
export const outboxMailParams = z.strictObject({ id: z.uuid() });

// A verification mail as the disk outbox keeps it (auth/account-mail.ts writes it).
const EXAMPLE_OUTBOX_MAIL = {
  id: '6f1d2c3a-8b4e-4f5a-9c7d-0e1f2a3b4c5d',
  to: 'ann@example.com',
  subject: 'Confirm your email address',
  createdAt: '2026-12-07T09:14:06.000Z',
  text: 'Confirm that this is your email address by opening this link:\n\nhttps://shop.example.com/verify-email?token=q8Jr2VbX0mT9cLw4ZkP1sYdHf6NeA3uG7oRiEtBnQ5M\n\nThe link works once and expires in 48 hours.\nIf you did not create an account, ignore this message.',
  html: '<!doctype html><html lang="en"><body><p>Confirm that this is your email address by opening this link:</p><p><a href="https://shop.example.com/verify-email?token=q8Jr2VbX0mT9cLw4ZkP1sYdHf6NeA3uG7oRiEtBnQ5M">Confirm my email address</a></p><p>The link works once and expires in 48 hours.</p></body></html>',
};

export const outboxMail = z
  .strictObject({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    createdAt: z.iso.datetime(),
    text: z.string(),
    html: z.string().nullable(),
  })
  .meta({ id: 'OutboxMail', example: EXAMPLE_OUTBOX_MAIL });

export const outboxList = z
  .strictObject({ data: z.array(outboxMail) })
  .meta({ example: { data: [EXAMPLE_OUTBOX_MAIL] } });

export const outboxListQuery = z.strictObject({
  limit: queryInteger(1, 100).default(20),
});
