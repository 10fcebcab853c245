// Orders on the wire. Prices are never sent by the client: they come from
// the catalog when the order is placed and are kept per line.

import { z } from 'zod';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { money } from '../catalog/schemas.ts';
import { ORDER_ACTIONS } from './state-machine.ts';

export const ORDER_STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const;

export const placeOrderBody = z
  .strictObject({
    items: z
      .array(
        z.strictObject({
          productId: bigintId,
          quantity: z.number().int().min(1).max(100),
        }),
      )
      .min(1)
      .max(50),
  })
  .refine((body) => new Set(body.items.map((item) => item.productId)).size === body.items.length, {
    error: 'list each product once, with its quantity',
    path: ['items'],
  })
  .meta({ examples: [{ items: [{ productId: '42', quantity: 2 }] }] });

export type PlaceOrderInput = z.infer<typeof placeOrderBody>;

const orderLine = z.strictObject({
  productId: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unitPrice: money,
  lineTotal: money,
});

/** For the document's examples: an order just placed, as the reads and the list show it. */
export const EXAMPLE_ORDER = {
  id: '301',
  userId: '7',
  status: 'pending',
  items: [
    {
      productId: '42',
      title: 'Trail shoe 42',
      quantity: 2,
      unitPrice: { amount: 4999, currency: 'EUR' },
      lineTotal: { amount: 9998, currency: 'EUR' },
    },
  ],
  total: { amount: 9998, currency: 'EUR' },
  actions: ['pay', 'cancel'],
  version: 1,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
};

export const order = z
  .strictObject({
    id: z.string(),
    userId: z.string(),
    status: z.enum(ORDER_STATUSES),
    items: z.array(orderLine),
    total: money,
    actions: z
      .array(z.enum(ORDER_ACTIONS))
      .meta({ description: 'Transitions the status allows now (POST /orders/{id}/{action})' }),
    version: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({
    id: 'Order',
    examples: [EXAMPLE_ORDER],
  });

export type Order = z.infer<typeof order>;

export const orderList = z
  .strictObject({
    data: z.array(order),
    meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
    links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        EXAMPLE_ORDER,
        {
          id: '288',
          userId: '7',
          status: 'delivered',
          items: [
            {
              productId: '17',
              title: 'Merino socks 17',
              quantity: 3,
              unitPrice: { amount: 1490, currency: 'EUR' },
              lineTotal: { amount: 4470, currency: 'EUR' },
            },
          ],
          total: { amount: 4470, currency: 'EUR' },
          actions: [],
          version: 4,
          createdAt: '2026-11-18T16:20:00.000Z',
          updatedAt: '2026-11-21T09:45:00.000Z',
        },
      ],
      meta: { limit: 2, hasMore: true },
      links: { self: '/api/v1/orders?limit=2', next: '/api/v1/orders?limit=2&before=288' },
    },
  });
