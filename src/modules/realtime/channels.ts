// Realtime channels: what a client can follow, which events each carries,
// and who may follow it.
//
// - `order:<id>`: the order's events (order.placed, .paid, .cancelled,
//   .shipped, .settled). Its owner, or staff with orders:read:any; anyone
//   else is told the order does not exist, as GET /orders/:id would.
// - `product-stock:<id>`: the product's stock or record changed
//   (product.stock_changed, product.updated, product.deleted). Any signed-in
//   caller: the message carries ids and the row's version, never the stock
//   figure, so it tells no more than reading the product does.
// - `admin`: every event. Staff with ops:read.

import type { Identity } from '../../http/pipeline/context.ts';
import { isBigintId } from '../../platform/sql/pg-values.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { OrdersDatabase } from '../orders/tables.ts';
import type { FeedEvent } from './feed.ts';

export const ADMIN_CHANNEL = 'admin';

export type ChannelName = `order:${string}` | `product-stock:${string}` | typeof ADMIN_CHANNEL;

/** The channel's name when `text` is a well-formed one. */
export function parseChannel(text: string): ChannelName | undefined {
  if (text === ADMIN_CHANNEL) return ADMIN_CHANNEL;
  const colon = text.indexOf(':');
  if (colon === -1) return undefined;
  const kind = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (!isBigintId(id)) return undefined;
  if (kind === 'order' || kind === 'product-stock') return `${kind}:${id}`;
  return undefined;
}

/** Every channel an event is published on. */
export function channelsOf(event: Pick<FeedEvent, 'type' | 'aggregateId' | 'data'>): ChannelName[] {
  const channels: ChannelName[] = [ADMIN_CHANNEL];
  if (event.type.startsWith('order.')) channels.push(`order:${event.aggregateId}`);
  if (
    event.type === 'product.updated' ||
    event.type === 'product.deleted' ||
    event.type === 'product.created'
  ) {
    channels.push(`product-stock:${event.aggregateId}`);
  }
  if (event.type === 'product.stock_changed') {
    const products = (event.data as { products?: readonly { productId?: unknown }[] }).products;
    for (const product of products ?? []) {
      if (typeof product.productId === 'string')
        channels.push(`product-stock:${product.productId}`);
    }
  }
  return channels;
}

export type Refusal = 'not-found' | 'forbidden';

export interface ChannelAccess {
  /** Undefined when the caller may follow the channel; otherwise why not. */
  check(identity: Identity, channel: ChannelName): Promise<Refusal | undefined>;
}

export function createChannelAccess(sql: SqlDatabase<OrdersDatabase>): ChannelAccess {
  return {
    async check(identity, channel) {
      if (channel === ADMIN_CHANNEL) {
        return identity.permissions.has('ops:read') ? undefined : 'forbidden';
      }
      if (channel.startsWith('product-stock:')) return undefined;
      if (!identity.permissions.has('orders:read:own')) return 'forbidden';
      const orderId = channel.slice('order:'.length);
      const order = await sql.db
        .selectFrom('orders')
        .select('user_id')
        .where('id', '=', orderId)
        .executeTakeFirst();
      if (order === undefined) return 'not-found';
      if (order.user_id === identity.subject || identity.permissions.has('orders:read:any')) {
        return undefined;
      }
      return 'not-found';
    },
  };
}
