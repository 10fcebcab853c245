// Orders over HTTP. Placing an order needs an Idempotency-Key; a retry with
// the same key gets the first response again (Idempotent-Replayed: true).
// Status changes are actions — POST /orders/:id/{pay,cancel,ship,deliver} —
// not a writable `status` field: each has its own rule, effect and
// permission, which a PATCH of `status` would hide.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyHeaders,
} from '../../http/request/idempotency-key.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { EXAMPLE_ORDER, order, orderList, placeOrderBody } from './schemas.ts';
import type { OrdersService } from './service.ts';
import { ensureCheckoutOpen } from './checkout-flag.ts';
import type { FeatureFlags } from '../flags/feature-flags.ts';
import { actionsFrom, type OrderAction } from './state-machine.ts';
import type { OrderStatus } from './tables.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

const byId = z.strictObject({ id: bigintId });

interface ActionRoute {
  readonly action: OrderAction;
  readonly permission: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly errors: readonly string[];
}

/** The example order after each action, one version per step it took from `pending`. */
const ACTION_RESULTS: Readonly<Record<OrderAction, { status: OrderStatus; version: number }>> = {
  pay: { status: 'paid', version: 2 },
  ship: { status: 'shipped', version: 3 },
  deliver: { status: 'delivered', version: 4 },
  cancel: { status: 'cancelled', version: 2 },
};

/** The document's example answer to `action`. */
function exampleAfter(action: OrderAction) {
  const { status, version } = ACTION_RESULTS[action];
  return {
    ...EXAMPLE_ORDER,
    status,
    actions: actionsFrom(status),
    version,
    updatedAt: '2026-11-26T14:30:00.000Z',
  };
}

/** Every action can find no order, or an order whose status does not allow it. */
const ACTION_ERRORS = ['ORDERS_NOT_FOUND', 'ORDERS_INVALID_TRANSITION'];

const ACTIONS: readonly ActionRoute[] = [
  {
    action: 'pay',
    permission: 'orders:write:own',
    operationId: 'payOrder',
    summary: 'Pay a pending order',
    description:
      'Pays the order total from the owner’s wallet in the order’s currency; the order becomes `paid` and its fulfilment starts. A balance below the total is 422 PAYMENTS_INSUFFICIENT_FUNDS; an order that is not `pending` is 409 ORDERS_INVALID_TRANSITION.',
    errors: [
      ...ACTION_ERRORS,
      'PAYMENTS_INSUFFICIENT_FUNDS',
      'PAYMENTS_CURRENCY_UNSUPPORTED',
      'PAYMENTS_ORDER_ALREADY_PAID',
    ],
  },
  {
    action: 'cancel',
    permission: 'orders:write:own',
    operationId: 'cancelOrder',
    summary: 'Cancel an order',
    description:
      'A `pending` or `paid` order can be cancelled: its stock goes back to the catalog and a payment is refunded to the wallet. Shipped orders cannot (409 ORDERS_INVALID_TRANSITION).',
    errors: ACTION_ERRORS,
  },
  {
    action: 'ship',
    permission: 'orders:write:any',
    operationId: 'shipOrder',
    summary: 'Mark an order shipped',
    description:
      'For staff: a `paid` order becomes `shipped`. Any other status is 409 ORDERS_INVALID_TRANSITION.',
    errors: ACTION_ERRORS,
  },
  {
    action: 'deliver',
    permission: 'orders:write:any',
    operationId: 'deliverOrder',
    summary: 'Mark an order delivered',
    description:
      'For staff: a `shipped` order becomes `delivered`. Any other status is 409 ORDERS_INVALID_TRANSITION.',
    errors: ACTION_ERRORS,
  },
];

export function registerOrdersRoutes(
  app: App,
  orders: OrdersService,
  flags?: Pick<FeatureFlags, 'client'>,
): void {
  app.group('/api/v1/orders', { tags: ['orders'], errors: DATABASE_ERRORS }, (group) => {
    group.route({
      method: 'POST',
      path: '',
      permissions: ['orders:write:own'],
      operationId: 'placeOrder',
      summary: 'Place an order',
      description:
        'Reserves the stock of every item and prices the order from the current catalog; the order starts `pending` until payOrder. Requires Idempotency-Key: a retry with the same key within 24 hours gets the first 201 again (Idempotent-Replayed: true) and places nothing. Not enough stock is 409 ORDERS_OUT_OF_STOCK naming the item and what is left. While the feature flag `checkout.orders` is off for the caller, 503 ORDERS_CHECKOUT_PAUSED (with Retry-After) and nothing is reserved.',
      errors: [
        'ORDERS_PRODUCT_NOT_FOUND',
        'ORDERS_OUT_OF_STOCK',
        'ORDERS_MIXED_CURRENCIES',
        'ORDERS_TOTAL_TOO_LARGE',
        'ORDERS_CHECKOUT_PAUSED',
        'IDEMPOTENCY_KEY_REUSED',
      ],
      schema: {
        headers: idempotencyKeyHeaders,
        body: placeOrderBody,
        responses: {
          201: { description: 'Placed (or the replay of the first placement)', schema: order },
        },
      },
      handler: async (c) => {
        await ensureCheckoutOpen(flags, c.identity);
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
      operationId: 'listOrders',
      summary: 'List orders',
      description:
        "Your own orders, or everyone's with orders:read:any; newest first, paged with `before` (follow links.next).",
      schema: {
        query: z.strictObject({
          limit: queryInteger(1, 100).default(20),
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
      operationId: 'getOrder',
      summary: 'Read an order',
      description:
        "Yours, or any with orders:read:any; another user's is 404 ORDERS_NOT_FOUND, like one that does not exist. `actions` lists what the order can do next.",
      errors: ['ORDERS_NOT_FOUND'],
      schema: { params: byId, responses: { 200: order } },
      handler: (c) => {
        c.set('cache-control', cacheControl.privateNoCache);
        return orders.get(actorOf(c), c.input.params.id);
      },
    });

    for (const { action, permission, ...documentation } of ACTIONS) {
      group.route({
        method: 'POST',
        path: `/:id/${action}`,
        permissions: [permission],
        ...documentation,
        schema: {
          params: byId,
          responses: { 200: order.meta({ example: exampleAfter(action) }) },
        },
        handler: (c) => orders.act(actorOf(c), c.input.params.id, action),
      });
    }
  });
}
