// The `payments.capture` job of the order-complete flow (orders/complete.ts):
// the paid order's money moves from escrow to the merchant wallet.
//
// One transaction that first locks the order row — the lock `cancel` takes
// too — so a capture and a refund of one order never interleave: whichever
// comes second sees what the first did. Then it captures only an order that
// is still paid (paid, shipped or delivered: not cancelled) and not captured
// yet; anything else is a no-op that completes the job. Delivery is at least
// once (a worker that dies mid-transaction has its job delivered again, and
// the dead one's transaction rolls back), so running it twice must and does
// capture once: the second run finds the first capture, and the unique index
// on an order's capture refuses a concurrent duplicate.

import type { Database } from '../../db/schema.ts';
import type { Job } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { findOrderForUpdate } from '../orders/repo.ts';
import { captureOrder } from './ledger.ts';
import type { Transfer } from './schemas.ts';

export const CAPTURE_QUEUE = 'payments.capture';

export interface CapturePayload {
  readonly orderId: string;
}

/** Captures the order's payment if it still should be; resolves with the capture, if any. */
export function captureOrderPayment(
  sql: SqlDatabase<Database>,
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

export function captureJob(sql: SqlDatabase<Database>): (job: Job) => Promise<void> {
  return async (job) => {
    const { orderId } = job.payload as unknown as CapturePayload;
    await captureOrderPayment(sql, orderId);
  };
}
