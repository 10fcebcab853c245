// The order-complete flow (seed module 13: charge, receipt, warehouse). Paying
// an order only authorizes it (the money waits in escrow, payments/ledger.ts);
// the `order.paid` event's consumer then adds one flow per order:
//
//   orders.complete (parent: marks the order settled, records order.settled)
//   ├── payments.capture   escrow → merchant (flow-steps.ts, payments/ledger.ts)
//   ├── orders.receipt     the receipt mail
//   └── inventory.allocate the warehouse's pick list (flow-steps.ts, inventory/)
//
// The children run concurrently, each with its own retries; the parent runs
// once all of them completed. A child that dead-letters leaves the parent
// waiting (the order stays paid, unsettled) until an operator replays it.
//
// Everything here runs at least once: the flow is keyed by the order, so a
// redelivered `order.paid` adds nothing; every step checks what already
// happened under the order's row lock or a unique key, so a repeated job
// changes nothing — except the receipt, which a retry after the mail left
// sends again (as for every mail, modules/auth/welcome-consumer.ts).

import type { OrdersDatabase } from './tables.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { Flow, Job, JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { findAccount } from '../auth/account-repo.ts';
import { recordEvent } from '../events/outbox.ts';
import type { EventHandlers } from '../events/registry.ts';
import { ALLOCATE_QUEUE } from './flow-steps.ts';
import { CAPTURE_QUEUE } from './flow-steps.ts';
import { findOrderTransfer } from '../payments/repo.ts';
import { orderReceiptMail } from './receipt-mail.ts';
import type { AccountLinks } from '../auth/account-mail.ts';
import { findItems, findOrder, findOrderForUpdate, markSettled } from './repo.ts';

export const ORDER_COMPLETE_QUEUE = 'orders.complete';
export const RECEIPT_QUEUE = 'orders.receipt';

export interface OrderJobPayload {
  readonly orderId: string;
  readonly userId: string;
}

/** The flow of one paid order; its key makes adding it again a no-op. */
export function orderCompleteFlow(order: OrderJobPayload): Flow {
  const payload = { orderId: order.orderId, userId: order.userId };
  return {
    name: ORDER_COMPLETE_QUEUE,
    payload,
    options: { idempotencyKey: `order-complete:${order.orderId}` },
    children: [
      { name: CAPTURE_QUEUE, payload: { orderId: order.orderId } },
      { name: RECEIPT_QUEUE, payload },
      { name: ALLOCATE_QUEUE, payload: { orderId: order.orderId } },
    ],
  };
}

/** `order.paid` → the order's flow. */
export function registerOrderCompleteFlow(
  handlers: EventHandlers,
  queue: Pick<JobQueue, 'enqueueFlow'>,
): void {
  handlers.onEvent('order.paid', async (event) => {
    await queue.enqueueFlow(orderCompleteFlow(event.data));
  });
}

/**
 * Mails the receipt; nothing for an order or account that is gone, or an
 * order cancelled before the mail went out.
 */
export async function sendReceipt(
  deps: {
    readonly sql: SqlDatabase<OrdersDatabase>;
    readonly mailer: Mailer;
    readonly links: AccountLinks;
  },
  payload: OrderJobPayload,
): Promise<void> {
  const { sql, mailer } = deps;
  const [order, account] = await Promise.all([
    findOrder(sql.db, payload.orderId),
    findAccount(sql.db, payload.userId),
  ]);
  if (order === undefined || account === undefined || order.status === 'cancelled') return;
  const items = (await findItems(sql.db, [order.id])).get(order.id) ?? [];
  await mailer.send(orderReceiptMail(deps.links, account.email, order, items));
}

/**
 * The parent's step: marks the order settled and records `order.settled`,
 * in one transaction under the order's row lock. False (nothing done) for
 * an order already settled, cancelled meanwhile, or gone. A paid order whose
 * money is still in escrow is an error: the capture child completed without
 * capturing, which only a cancellation explains.
 */
export function settleOrder(sql: SqlDatabase<OrdersDatabase>, orderId: string): Promise<boolean> {
  return sql.withTransaction(async (trx) => {
    const order = await findOrderForUpdate(trx, orderId);
    if (order === undefined || order.status === 'pending' || order.status === 'cancelled') {
      return false;
    }
    const payment = await findOrderTransfer(trx, orderId, 'order_payment');
    if (
      payment?.to.kind === 'escrow' &&
      (await findOrderTransfer(trx, orderId, 'order_capture')) === undefined
    ) {
      throw new Error(`order ${orderId} is ${order.status} but its payment is not captured`);
    }
    if (!(await markSettled(trx, orderId))) return false;
    await recordEvent(trx, {
      type: 'order.settled',
      aggregateId: orderId,
      data: { orderId, userId: order.userId },
    });
    return true;
  });
}

export function receiptJob(deps: {
  readonly sql: SqlDatabase<OrdersDatabase>;
  readonly mailer: Mailer;
  readonly links: AccountLinks;
}): (job: Job) => Promise<void> {
  return (job) => sendReceipt(deps, job.payload as unknown as OrderJobPayload);
}

export function settleJob(sql: SqlDatabase<OrdersDatabase>): (job: Job) => Promise<void> {
  return async (job) => {
    await settleOrder(sql, (job.payload as unknown as OrderJobPayload).orderId);
  };
}
