// From domain events to webhook deliveries: a consumer of every event ('*')
// that, for each enabled endpoint subscribed to the event's type, adds a
// delivery row and its job (jobs.ts: in the same transaction on the postgres
// queue). The row is unique per (endpoint, event), so an event handled again
// (events are delivered at least once) adds nothing, and the job is keyed by
// the delivery's id, so it is never enqueued twice.

import type { WebhooksDatabase } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { PUBLIC_EVENT_TYPES } from '../events/outbox.ts';
import type { EventHandlers } from '../events/registry.ts';
import { deliveryJobOptions } from './delivery.ts';
import { withDeliveryJobs, type DeliveryQueue } from './jobs.ts';
import { findDeliveryOf, insertDelivery, subscribedEndpointIds } from './repo.ts';

export interface FanOutDeps {
  readonly sql: SqlDatabase<WebhooksDatabase>;
  readonly queue: DeliveryQueue;
  readonly settings: { readonly retrySchedule: readonly number[] };
}

export function registerWebhookFanOut(handlers: EventHandlers, deps: FanOutDeps): void {
  const { sql, queue, settings } = deps;
  handlers.onEvent('*', async (event) => {
    // Internal events never leave the service.
    if (!PUBLIC_EVENT_TYPES.includes(event.type)) return;
    await withDeliveryJobs(sql, queue, async (trx, schedule) => {
      for (const endpointId of await subscribedEndpointIds(trx, event.type)) {
        let deliveryId = await insertDelivery(trx, {
          endpointId,
          eventId: event.id,
          eventType: event.type,
          occurredAt: new Date(event.occurredAt),
          payload: event.data,
        });
        if (deliveryId === undefined) {
          // Handled before: enqueue again only if it never got going (the
          // key makes that a no-op when its job exists).
          const existing = await findDeliveryOf(trx, endpointId, event.id);
          if (existing?.status !== 'pending' || existing.attempts > 0 || existing.replays > 0) {
            continue;
          }
          deliveryId = existing.id;
        }
        await schedule({ deliveryId, round: 0 }, deliveryJobOptions(settings, deliveryId));
      }
    });
  });
}
