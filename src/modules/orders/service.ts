// Order use cases. Placing an order reserves stock and records the order in
// one transaction, under the client's idempotency key; status changes go
// through the state machine with the order row locked, and their side
// effects (charging the wallet, restocking, refunding) commit with them or
// not at all. Every change of stock records `product.stock_changed` beside
// the order's own event. Visibility: customers see their own orders, `orders:read:any`
// sees all; someone else's order answers 404 like a missing one (IDOR).

import type { Transaction } from 'kysely';
import { runIdempotent } from '../../platform/sql/idempotency.ts';
import type { OrdersDatabase, OrderStatus } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { recordEvent, type EventType } from '../events/outbox.ts';
import type { Actor } from '../users/service.ts';
import { ordersError } from './errors.ts';
import { priceOrder } from './pricing.ts';
import {
  findItems,
  findOrder,
  findOrderForUpdate,
  insertOrder,
  listOrders,
  recordStatus,
  reserveStock,
  restock,
  updateStatus,
  type OrderItemRecord,
  type OrderRecord,
  type ProductChange,
  type StockShortfall,
} from './repo.ts';
import type { Order, PlaceOrderInput } from './schemas.ts';
import { actionsFrom, transition, type OrderAction } from './state-machine.ts';

/** What orders need from payments, run inside the order's transaction. */
export interface OrderPayments {
  chargeOrder(
    trx: Transaction<OrdersDatabase>,
    input: {
      userId: string;
      orderId: string;
      amount: number;
      currency: string;
      initiatedBy: string;
    },
  ): Promise<unknown>;
  refundOrder(
    trx: Transaction<OrdersDatabase>,
    input: { orderId: string; initiatedBy: string },
  ): Promise<unknown>;
}

export interface PlacedOrder {
  readonly order: Order;
  readonly location: string;
  /** The stored response of an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}

export interface OrdersService {
  place(actor: Actor, input: PlaceOrderInput, idempotencyKey: string): Promise<PlacedOrder>;
  get(actor: Actor, id: string): Promise<Order>;
  list(actor: Actor, options: { limit: number; before?: string | undefined }): Promise<Order[]>;
  act(actor: Actor, id: string, action: OrderAction): Promise<Order>;
}

/** The event each status change records, in its transaction (modules/events/). */
const STATUS_EVENTS: Partial<Record<OrderStatus, EventType>> = {
  paid: 'order.paid',
  shipped: 'order.shipped',
  cancelled: 'order.cancelled',
};

export function createOrdersService(deps: {
  sql: SqlDatabase<OrdersDatabase>;
  payments: OrderPayments;
  audit: AuditSink;
  /** Told, after commit, which products' stock (and version) an order changed. */
  productsChanged?: (changes: readonly ProductChange[]) => Promise<void>;
  /**
   * Records a placed order's events (`order.placed`, `product.stock_changed`) in its
   * transaction: the outbox, unless a benchmark measures without it.
   */
  recordEvent?: typeof recordEvent;
}): OrdersService {
  const { sql, payments, audit } = deps;
  const recordPlaced = deps.recordEvent ?? recordEvent;
  const seesAll = (actor: Actor) => actor.permissions.has('orders:read:any');
  const actsOnAll = (actor: Actor) => actor.permissions.has('orders:write:any');
  const notFound = (id: string) =>
    ordersError('ORDERS_NOT_FOUND', { detail: `no order with id ${id}` });

  async function view(db: SqlDatabase<OrdersDatabase>['db'], record: OrderRecord): Promise<Order> {
    const items = (await findItems(db, [record.id])).get(record.id) ?? [];
    return toOrder(record, items);
  }

  return {
    async place(actor, input, idempotencyKey) {
      let changed: ProductChange[] = [];
      const response = await runIdempotent(
        sql,
        { scope: `user:${actor.id}:orders`, key: idempotencyKey, request: input },
        async (trx) => {
          const reserved = await reserveStock(trx, input.items);
          if ('shortfall' in reserved) throw shortfallError(reserved.shortfall, input);
          changed = reserved.changed;
          const priced = priceOrder(input.items, reserved.products);
          const record = await insertOrder(trx, { userId: actor.id, ...priced });
          await recordStatus(trx, {
            orderId: record.id,
            from: null,
            to: record.status,
            actorId: actor.id,
          });
          await recordPlaced(trx, {
            type: 'order.placed',
            aggregateId: record.id,
            data: { orderId: record.id, userId: actor.id },
          });
          await recordPlaced(trx, stockChanged(record.id, reserved.changed));
          const location = `/api/v1/orders/${record.id}`;
          return { status: 201, headers: { location }, body: await view(trx, record) };
        },
      );
      if (!response.replayed) await deps.productsChanged?.(changed);
      return {
        order: response.body as Order,
        location: response.headers.location ?? '',
        replayed: response.replayed,
      };
    },

    async get(actor, id) {
      const record = await findOrder(sql.db, id);
      if (record === undefined || (record.userId !== actor.id && !seesAll(actor))) {
        throw notFound(id);
      }
      return view(sql.db, record);
    },

    async list(actor, options) {
      const records = await listOrders(sql.db, {
        ...options,
        userId: seesAll(actor) ? undefined : actor.id,
      });
      const items = await findItems(
        sql.db,
        records.map((record) => record.id),
      );
      return records.map((record) => toOrder(record, items.get(record.id) ?? []));
    },

    async act(actor, id, action) {
      let changed: ProductChange[] = [];
      const outcome = await sql.withTransaction(async (trx) => {
        const record = await findOrderForUpdate(trx, id);
        if (record === undefined || (record.userId !== actor.id && !actsOnAll(actor))) {
          return undefined;
        }
        const step = transition(record.status, action);
        if (!step.ok) {
          throw ordersError('ORDERS_INVALID_TRANSITION', {
            detail: `cannot ${action} an order that is ${record.status} (${action} needs ${step.allowedFrom.join(' or ')})`,
            extensions: { status: record.status, action },
          });
        }
        if (action === 'pay') {
          // An authorization: the money waits in escrow until `order.paid`'s
          // flow captures it (complete.ts); a refund takes it from wherever it is.
          await payments.chargeOrder(trx, {
            userId: record.userId,
            orderId: record.id,
            amount: record.totalAmount,
            currency: record.currency,
            initiatedBy: actor.id,
          });
        }
        if (action === 'cancel') {
          changed = await restock(trx, record.id);
          if (changed.length > 0) await recordEvent(trx, stockChanged(record.id, changed));
          if (record.status === 'paid')
            await payments.refundOrder(trx, { orderId: record.id, initiatedBy: actor.id });
        }
        const updated = await updateStatus(trx, record.id, step.to);
        await recordStatus(trx, {
          orderId: id,
          from: record.status,
          to: step.to,
          actorId: actor.id,
        });
        const event = STATUS_EVENTS[step.to];
        if (event !== undefined) {
          await recordEvent(trx, {
            type: event,
            aggregateId: record.id,
            data: { orderId: record.id, userId: record.userId },
          });
        }
        return { updated, owner: record.userId, from: record.status };
      });
      if (outcome === undefined) throw notFound(id);
      await deps.productsChanged?.(changed);
      if (outcome.owner !== actor.id) {
        await audit.record({
          action: `admin.order_${action}`,
          outcome: 'success',
          actorId: actor.id,
          actorIp: actor.ip,
          targetType: 'order',
          targetId: id,
          details: { from: outcome.from, to: outcome.updated.status },
        });
      }
      return view(sql.db, outcome.updated);
    },
  };
}

/**
 * One `product.stock_changed` per transaction, naming every product whose
 * stock (and version) it moved: what keeps the search index's stock in step.
 */
function stockChanged(orderId: string, changed: readonly ProductChange[]) {
  return {
    type: 'product.stock_changed' as const,
    aggregateId: orderId,
    data: {
      orderId,
      products: changed.map((change) => ({ productId: change.id, version: change.version })),
    },
  };
}

function shortfallError(shortfall: StockShortfall, input: PlaceOrderInput) {
  const index = input.items.findIndex((item) => item.productId === shortfall.productId);
  const field = `items.${index}`;
  if (shortfall.kind === 'missing') {
    return ordersError('ORDERS_PRODUCT_NOT_FOUND', {
      detail: `product ${shortfall.productId} does not exist`,
      errors: [
        { field: `${field}.productId`, in: 'body', code: 'not_found', message: 'no such product' },
      ],
    });
  }
  const requested = input.items[index]?.quantity ?? 0;
  return ordersError('ORDERS_OUT_OF_STOCK', {
    detail: `product ${shortfall.productId}: ${requested} requested, ${shortfall.available} in stock`,
    errors: [
      {
        field: `${field}.quantity`,
        in: 'body',
        code: 'out_of_stock',
        message: `only ${shortfall.available} in stock`,
      },
    ],
    extensions: { productId: shortfall.productId, available: shortfall.available, requested },
  });
}

function toOrder(record: OrderRecord, items: readonly OrderItemRecord[]): Order {
  const currency = record.currency;
  return {
    id: record.id,
    userId: record.userId,
    status: record.status,
    items: items.map((item) => ({
      productId: item.productId,
      title: item.title,
      quantity: item.quantity,
      unitPrice: { amount: item.unitAmount, currency },
      lineTotal: { amount: item.unitAmount * item.quantity, currency },
    })),
    total: { amount: record.totalAmount, currency },
    actions: actionsFrom(record.status),
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}
