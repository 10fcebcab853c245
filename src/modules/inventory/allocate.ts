// The `inventory.allocate` job of the order-complete flow (orders/complete.ts):
// "update the warehouse" — write the order's pick list, the record the
// warehouse works from. The stock itself was reserved when the order was
// placed; this is what tells someone to pick it.
//
// Idempotent by the table's primary key: one pick list per order, and a
// repeated delivery of the job inserts nothing (ON CONFLICT DO NOTHING). A
// cancelled order gets none.

import type { Database } from '../../db/schema.ts';
import type { Job } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { findOrder } from '../orders/repo.ts';

export const ALLOCATE_QUEUE = 'inventory.allocate';

export interface AllocatePayload {
  readonly orderId: string;
}

export interface PickLine {
  readonly productId: string;
  readonly quantity: number;
}

/** Writes the order's pick list unless it has one; resolves with whether it wrote it. */
export async function allocateOrder(sql: SqlDatabase<Database>, orderId: string): Promise<boolean> {
  const order = await findOrder(sql.db, orderId);
  if (order === undefined || order.status === 'pending' || order.status === 'cancelled') {
    return false;
  }
  const items = await sql.db
    .selectFrom('order_items')
    .select(['product_id', 'quantity'])
    .where('order_id', '=', orderId)
    .orderBy('product_id')
    .execute();
  const pickList: PickLine[] = items.map((item) => ({
    productId: item.product_id,
    quantity: item.quantity,
  }));
  const inserted = await sql.db
    .insertInto('order_fulfilments')
    .values({ order_id: orderId, pick_list: JSON.stringify(pickList) })
    .onConflict((conflict) => conflict.column('order_id').doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export function allocateJob(sql: SqlDatabase<Database>): (job: Job) => Promise<void> {
  return async (job) => {
    const { orderId } = job.payload as unknown as AllocatePayload;
    await allocateOrder(sql, orderId);
  };
}
