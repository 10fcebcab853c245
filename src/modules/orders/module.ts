// Orders: placing (stock reserved, idempotent), paying into escrow,
// shipping and cancelling, and the order-complete flow the payment starts —
// capture, receipt, stock allocation, then settlement, each a job.

import type { Config } from '../../platform/config.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { accountLinks } from '../auth/account-mail.ts';
import type { ProductCache } from '../catalog/product-cache.ts';
import type { recordEvent } from '../events/outbox.ts';
import type { FeatureFlags } from '../flags/feature-flags.ts';
import type { EventHandlers } from '../events/registry.ts';
import { chargeOrder, refundOrder } from '../payments/ledger.ts';
import { defineModule } from '../contract.ts';
import {
  ORDER_COMPLETE_QUEUE,
  RECEIPT_QUEUE,
  receiptJob,
  registerOrderCompleteFlow,
  settleJob,
} from './complete.ts';
import { ordersErrors } from './errors.ts';
import { ordersGrpc } from './grpc.ts';
import { ALLOCATE_QUEUE, allocateJob, CAPTURE_QUEUE, captureJob } from './flow-steps.ts';
import { registerOrdersRoutes } from './routes.ts';
import { createOrdersService } from './service.ts';
import type { OrdersDatabase } from './tables.ts';

export interface OrdersContext {
  readonly sql: SqlDatabase<OrdersDatabase>;
  readonly audit: AuditSink;
  readonly productCache: ProductCache | undefined;
  /**
   * How placing an order records its events (`order.placed`, `product.stock_changed`);
   * the outbox when absent (bench/orders replaces it).
   */
  readonly recordOrderEvent?: typeof recordEvent | undefined;
  /** Checkout is behind `checkout.orders` (checkout-flag.ts); always open without them. */
  readonly flags?: FeatureFlags | undefined;
}

export interface OrdersWorkerContext {
  readonly config: Config;
  readonly sql: SqlDatabase<OrdersDatabase>;
  readonly mailer: Mailer;
  readonly queue: Pick<JobQueue, 'enqueueFlow' | 'process'>;
  readonly handlers: EventHandlers;
}

/**
 * Per step of the order-complete flow: captures contend for the escrow and
 * merchant wallet rows, so more at once only queue on the database.
 */
const ORDER_STEP_CONCURRENCY = 2;

export const ordersModule = defineModule({
  name: 'orders',
  errors: ordersErrors,
  events: [
    'order.placed',
    'order.paid',
    'order.shipped',
    'order.cancelled',
    'order.settled',
    // Placing reserves stock, cancelling puts it back (service.ts).
    'product.stock_changed',
  ],
  queues: [CAPTURE_QUEUE, RECEIPT_QUEUE, ALLOCATE_QUEUE, ORDER_COMPLETE_QUEUE],
  routes(app, context: OrdersContext) {
    registerOrdersRoutes(app, ordersService(context), context.flags);
  },
  grpc: (context: OrdersContext) => [ordersGrpc(ordersService(context), context.flags)],
  workers(context: OrdersWorkerContext) {
    const { sql, queue } = context;
    // `order.paid` → the flow: its steps below, then settlement.
    registerOrderCompleteFlow(context.handlers, queue);
    const steps = { concurrency: ORDER_STEP_CONCURRENCY };
    queue.process(CAPTURE_QUEUE, captureJob(sql), steps);
    queue.process(
      RECEIPT_QUEUE,
      receiptJob({ sql, mailer: context.mailer, links: accountLinks(context.config) }),
      steps,
    );
    queue.process(ALLOCATE_QUEUE, allocateJob(sql), steps);
    queue.process(ORDER_COMPLETE_QUEUE, settleJob(sql), steps);
  },
});

/** The orders service as the routes and the gRPC methods use it. */
export function ordersService(context: OrdersContext) {
  const { productCache } = context;
  return createOrdersService({
    sql: context.sql,
    audit: context.audit,
    payments: { chargeOrder, refundOrder },
    recordEvent: context.recordOrderEvent,
    // Stock is part of a product's representation: orders invalidate it too.
    productsChanged: async (changes) => {
      for (const { id, version } of changes) await productCache?.invalidate(id, version);
    },
  });
}
