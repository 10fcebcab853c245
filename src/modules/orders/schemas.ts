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
    examples: [
      {
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
      },
    ],
  });

export type Order = z.infer<typeof order>;

export const orderList = z.strictObject({
  data: z.array(order),
  meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
  links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
});
