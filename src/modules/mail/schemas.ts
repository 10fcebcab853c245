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
  .meta({ id: 'MailSuppression' });

export type SuppressionView = z.infer<typeof suppression>;

export function toSuppressionView(entry: Suppression): SuppressionView {
  return { ...entry, createdAt: entry.createdAt.toISOString() };
}

export const suppressionList = z.strictObject({
  data: z.array(suppression),
  links: z.strictObject({ next: z.string().nullable() }),
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

export const outboxMail = z
  .strictObject({
    id: z.string(),
    to: z.string(),
    subject: z.string(),
    createdAt: z.iso.datetime(),
    text: z.string(),
    html: z.string().nullable(),
  })
  .meta({ id: 'OutboxMail' });

export const outboxList = z.strictObject({ data: z.array(outboxMail) });

export const outboxListQuery = z.strictObject({
  limit: queryInteger(1, 100).default(20),
});
