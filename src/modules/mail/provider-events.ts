// What the mail provider tells us about delivery, and what we do about it.
// The route (routes.ts) has already checked the Standard Webhooks signature
// and parsed the body with `providerEvent`.
//
// - A hard bounce (the mailbox does not exist) and a complaint (the
//   recipient marked us as spam) suppress the address at once.
// - A soft bounce (mailbox full, greylisted, server down) is often
//   temporary: SOFT_BOUNCE_LIMIT of them within SOFT_BOUNCE_WINDOW_MS
//   suppress the address (reason `soft_bounce_limit`).
// Providers redeliver events (at least once): a redelivery carries the same
// `webhook-id`, and a soft bounce counts once per id; suppressing twice is a
// no-op anyway.

import type { Logger } from 'pino';
import { z } from 'zod';
import { pgText } from '../../platform/sql/pg-values.ts';
import { email } from '../users/schemas.ts';
import { recipientHash } from './suppressing-mailer.ts';
import type { SuppressionReason, SuppressionStore } from './suppressions.ts';

export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_MS = 7 * 24 * 3600_000;

/** The provider's own words (an SMTP diagnostic, a feedback type); kept as the entry's detail. */
const description = pgText().max(500).optional();

// Plain objects, not strict ones: providers add fields, and an event must
// not be refused for carrying more than we read.
export const providerEvent = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('bounce'),
      email,
      bounceType: z.enum(['hard', 'soft']),
      description,
    }),
    z.object({ type: z.literal('complaint'), email, description }),
  ])
  .meta({ id: 'MailProviderEvent' });

export type ProviderEvent = z.infer<typeof providerEvent>;

export type ProviderEventOutcome = 'suppressed' | 'already_suppressed' | 'counted';

export async function handleProviderEvent(
  deps: { store: SuppressionStore; logger: Logger },
  event: ProviderEvent,
  meta: { eventId: string; at: Date },
): Promise<ProviderEventOutcome> {
  const { store } = deps;
  const detail = [`provider event ${meta.eventId}`, event.description]
    .filter((part) => part !== undefined && part !== '')
    .join(': ');
  let reason: SuppressionReason;
  if (event.type === 'complaint') {
    reason = 'complaint';
  } else if (event.bounceType === 'hard') {
    reason = 'hard_bounce';
  } else {
    const count = await store.recordSoftBounce({
      address: event.email,
      eventId: meta.eventId,
      at: meta.at,
      since: new Date(meta.at.getTime() - SOFT_BOUNCE_WINDOW_MS),
    });
    if (count < SOFT_BOUNCE_LIMIT) return 'counted';
    reason = 'soft_bounce_limit';
  }
  const { created } = await store.suppress({ address: event.email, reason, detail, at: meta.at });
  if (created) {
    deps.logger.info({ recipientHash: recipientHash(event.email), reason }, 'address suppressed');
  }
  return created ? 'suppressed' : 'already_suppressed';
}
