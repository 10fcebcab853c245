// Domain events through a transactional outbox. A service that changes
// something others react to (a user registered, an order paid) records the
// event with `recordEvent(trx, …)` inside the transaction that makes the
// change: the event row commits with the change or rolls back with it, so no
// event is ever sent for a change that did not happen, and none is lost for
// one that did. Sending it on is the relay's job (relay.ts), never the
// request's.
//
// Events are facts in the past tense, `<aggregate>.<verb>`; the data is what
// a consumer needs to find the rest (ids, a few stable values), not a copy of
// the record: consumers read the current state when they run.

import type { Transaction } from 'kysely';
import type { EventsTables } from './tables.ts';
import type { JsonValue } from '../../ports/queue.ts';
import { attachTraceContext } from '../../platform/tracing/carrier.ts';
import { afterCommit } from '../../platform/sql/transaction.ts';
import { eventsCommitted } from './committed.ts';

/** The events the service emits, and the data each carries. */
export interface EventData {
  'user.registered': { readonly userId: string };
  /** Internal: the sign-out that a credential or role change asked for (auth/sign-out-everywhere.ts). */
  'user.signed_out_everywhere': { readonly userId: string; readonly revocationId: string };
  'order.placed': { readonly orderId: string; readonly userId: string };
  'order.paid': { readonly orderId: string; readonly userId: string };
  'order.cancelled': { readonly orderId: string; readonly userId: string };
  'order.shipped': { readonly orderId: string; readonly userId: string };
  /** The order-complete flow finished: captured, receipt mailed, pick list written. */
  'order.settled': { readonly orderId: string; readonly userId: string };
  /** `version`: the row's version the write left (catalog/service.ts). */
  'product.created': { readonly productId: string; readonly version: number };
  'product.updated': { readonly productId: string; readonly version: number };
  /** `version`: the last version the product had. */
  'product.deleted': { readonly productId: string; readonly version: number };
  /**
   * Internal: an order's placing or cancelling moved the stock of these
   * products (one event per transaction, whatever the number of lines);
   * the aggregate is the order. Stock set through the catalog's writes is a
   * `product.updated`.
   */
  'product.stock_changed': {
    readonly orderId: string;
    readonly products: readonly { readonly productId: string; readonly version: number }[];
  };
}

export type EventType = keyof EventData;

/**
 * Every event type, and whether outside integrations (webhooks) may receive
 * it or it is internal plumbing. Keyed by EventType, so a new event does not
 * compile until someone decides which it is.
 */
const EVENT_AUDIENCE = {
  'user.registered': 'public',
  'user.signed_out_everywhere': 'internal',
  'order.placed': 'public',
  'order.paid': 'public',
  'order.cancelled': 'public',
  'order.shipped': 'public',
  'order.settled': 'public',
  // The catalog is public data: integrations (feeds, marketplaces) follow it.
  'product.created': 'public',
  'product.updated': 'public',
  'product.deleted': 'public',
  // Exact stock is operational data (the v2 representation hides it), and
  // one event per order placed or cancelled would tell every webhook
  // endpoint the shop's sales volume; it exists to keep derived copies (the
  // search index) in step.
  'product.stock_changed': 'internal',
} as const satisfies Record<EventType, 'public' | 'internal'>;

export const EVENT_TYPES = Object.keys(EVENT_AUDIENCE) as readonly EventType[];

/** The event types webhook endpoints may subscribe to. */
export const PUBLIC_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter(
  (type) => EVENT_AUDIENCE[type] === 'public',
);

/** An event as the relay hands it to the queue, and the handlers receive it. */
export interface DomainEvent<T extends EventType = EventType> {
  /** The outbox row's id: unique per event, the job's idempotency key. */
  readonly id: string;
  readonly type: T;
  readonly aggregateId: string;
  readonly data: EventData[T];
  /** ISO-8601 UTC: the time of the transaction that recorded it. */
  readonly occurredAt: string;
}

/** The queue the relay enqueues events on; one job per event. */
export const EVENTS_QUEUE = 'events.deliver';

/** Records an event in the caller's transaction; resolves with its id. */
export async function recordEvent<T extends EventType>(
  trx: Transaction<EventsTables>,
  event: { readonly type: T; readonly aggregateId: string; readonly data: EventData[T] },
): Promise<string> {
  const row = await trx
    .insertInto('outbox')
    .values({
      type: event.type,
      aggregate_id: event.aggregateId,
      // With the trace that caused it, when traced: the relay's job continues it.
      payload: JSON.stringify(attachTraceContext(event.data satisfies JsonValue)),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // The relay hears of it as soon as it can read it (committed.ts).
  afterCommit(trx, eventsCommitted);
  return row.id;
}
