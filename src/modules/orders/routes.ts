// Orders over HTTP. Placing an order needs an Idempotency-Key; a retry with
// the same key gets the first response again (Idempotent-Replayed: true).
// Status changes are actions — POST /orders/:id/{pay,cancel,ship,deliver} —
// not a writable `status` field: each has its own rule, effect and
// permission, which a PATCH of `status` would hide.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyHeaders,
} from '../../http/idempotency-key.ts';
import { actorOf } from '../auth/authenticate.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { order, orderList, placeOrderBody } from './schemas.ts';
import type { OrdersService } from './service.ts';
import type { OrderAction } from './state-machine.ts';

const byId = z.strictObject({ id: bigintId });

const ACTIONS: readonly { action: OrderAction; permission: string; summary: string }[] = [
  { action: 'pay', permission: 'orders:write:own', summary: 'Pay a pending order from the wallet' },
  {
    action: 'cancel',
    permission: 'orders:write:own',
    summary: 'Cancel a pending or paid order (stock returned, payment refunded)',
  },
  { action: 'ship', permission: 'orders:write:any', summary: 'Mark a paid order shipped' },
  { action: 'deliver', permission: 'orders:write:any', summary: 'Mark a shipped order delivered' },
];

export function registerOrdersRoutes(app: App, orders: OrdersService): void {
  app.group('/api/v1/orders', { tags: ['orders'] }, (group) => {
    group.route({
      method: 'POST',
      path: '',
      permissions: ['orders:write:own'],
      summary: 'Place an order (reserves stock); idempotent per Idempotency-Key for 24 h',
      schema: {
        headers: idempotencyKeyHeaders,
        body: placeOrderBody,
        responses: {
          201: { description: 'Placed (or the replay of the first placement)', schema: order },
        },
      },
      handler: async (c) => {
        const placed = await orders.place(
          actorOf(c),
          c.input.body,
          c.input.headers[IDEMPOTENCY_KEY_HEADER],
        );
        if (placed.replayed) c.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
        c.set('cache-control', cacheControl.noStore);
        c.created(placed.location, placed.order);
      },
    });

    group.route({
      method: 'GET',
      path: '',
      permissions: ['orders:read:own'],
      summary: 'Orders, newest first: your own, or all with orders:read:any',
      schema: {
        query: z.strictObject({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          before: bigintId.optional(),
        }),
        responses: { 200: orderList },
      },
      handler: async (c) => {
        const { limit, before } = c.input.query;
        const page = await orders.list(actorOf(c), { limit: limit + 1, before });
        const hasMore = page.length > limit;
        const data = page.slice(0, limit);
        c.set('cache-control', cacheControl.privateNoCache);
        return {
          data,
          meta: { limit, hasMore },
          links: {
            self: `/api/v1/orders?limit=${limit}${before === undefined ? '' : `&before=${before}`}`,
            next: hasMore ? `/api/v1/orders?limit=${limit}&before=${data.at(-1)!.id}` : null,
          },
        };
      },
    });

    group.route({
      method: 'GET',
      path: '/:id',
      permissions: ['orders:read:own'],
      summary: 'One order (yours, or any with orders:read:any)',
      schema: { params: byId, responses: { 200: order } },
      handler: (c) => {
        c.set('cache-control', cacheControl.privateNoCache);
        return orders.get(actorOf(c), c.input.params.id);
      },
    });

    for (const { action, permission, summary } of ACTIONS) {
      group.route({
        method: 'POST',
        path: `/:id/${action}`,
        permissions: [permission],
        summary,
        schema: { params: byId, responses: { 200: order } },
        handler: (c) => orders.act(actorOf(c), c.input.params.id, action),
      });
    }
  });
}
