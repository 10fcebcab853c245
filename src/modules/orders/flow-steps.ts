// The children of the order-complete flow (complete.ts) that change another
// module's data under this order's row or state: the capture (payments'
// ledger) and the pick list (inventory). Orders decide, as they do when a
// cancellation refunds: the order is read here, and the other module is
// given only what to do.
//
// `payments.capture`: the paid order's money moves from escrow to the
// merchant wallet, in one transaction that first locks the order row — the
// lock `cancel` takes too — so a capture and a refund of one order never interleave: whichever
// comes second sees what the first did. Then it captures only an order that
// is still paid (paid, shipped or delivered: not cancelled) and not captured
// yet; anything else is a no-op that completes the job. Delivery is at least
// once (a worker that dies mid-transaction has its job delivered again, and
// the dead one's transaction rolls back), so running it twice must and does
// capture once: the second run finds the first capture, and the unique index
// on an order's capture refuses a concurrent duplicate.
//
// `inventory.allocate`: "update the warehouse" — write the order's pick list
// (inventory/allocate.ts). A cancelled order gets none; a repeated job
// writes nothing more.

import type { OrdersDatabase } from './tables.ts';
import type { Job } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { writePickList, type PickLine } from '../inventory/allocate.ts';
import { captureOrder } from '../payments/ledger.ts';
import type { Transfer } from '../payments/schemas.ts';
import { findOrder, findOrderForUpdate } from './repo.ts';

export const CAPTURE_QUEUE = 'payments.capture';

export interface CapturePayload {
  readonly orderId: string;
}

/** Captures the order's payment if it still should be; resolves with the capture, if any. */
export function captureOrderPayment(
  sql: SqlDatabase<OrdersDatabase>,
  orderId: string,
): Promise<Transfer | undefined> {
  return sql.withTransaction(async (trx) => {
    const order = await findOrderForUpdate(trx, orderId);
    if (order === undefined || order.status === 'pending' || order.status === 'cancelled') {
      return undefined;
    }
    return captureOrder(trx, { orderId });
  });
}

export function captureJob(sql: SqlDatabase<OrdersDatabase>): (job: Job) => Promise<void> {
  return async (job) => {
    const { orderId } = job.payload as unknown as CapturePayload;
    await captureOrderPayment(sql, orderId);
  };
}

export const ALLOCATE_QUEUE = 'inventory.allocate';

export interface AllocatePayload {
  readonly orderId: string;
}

/** Writes the order's pick list unless it has one; resolves with whether it wrote it. */
export async function allocateOrder(
  sql: SqlDatabase<OrdersDatabase>,
  orderId: string,
): Promise<boolean> {
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
  return writePickList(sql.db, orderId, pickList);
}

export function allocateJob(sql: SqlDatabase<OrdersDatabase>): (job: Job) => Promise<void> {
  return async (job) => {
    const { orderId } = job.payload as unknown as AllocatePayload;
    await allocateOrder(sql, orderId);
  };
}
