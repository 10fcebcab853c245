// The warehouse's side of a paid order: its pick list, the record the
// warehouse works from. The stock itself was reserved when the order was
// placed; the pick list is what tells someone to pick it. Written by the
// `inventory.allocate` step of the order-complete flow (orders/flow-steps.ts).
//
// Idempotent by the table's primary key: one pick list per order, and a
// repeated write inserts nothing (ON CONFLICT DO NOTHING).

import type { Kysely } from 'kysely';
import type { InventoryTables } from './tables.ts';

export interface PickLine {
  readonly productId: string;
  readonly quantity: number;
}

/** Writes the order's pick list unless it has one; resolves with whether it wrote it. */

/** Writes the order's pick list unless it has one; resolves with whether it wrote it. */
export async function writePickList(
  db: Kysely<InventoryTables>,
  orderId: string,
  pickList: readonly PickLine[],
): Promise<boolean> {
  const inserted = await db
    .insertInto('order_fulfilments')
    .values({ order_id: orderId, pick_list: JSON.stringify(pickList) })
    .onConflict((conflict) => conflict.column('order_id').doNothing())
    .executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
