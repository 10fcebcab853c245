// Orders persistence. Stock is reserved with one conditional UPDATE per
// product (`stock >= quantity`), taken in product-id order so two orders
// touching the same products lock them in the same order and cannot
// deadlock; the CHECK (stock >= 0) constraint is the backstop if code ever
// forgets the condition.

import type { Kysely, Transaction } from 'kysely';
import type { OrdersDatabase, OrderStatus } from './tables.ts';
import type { PricedProduct, OrderLine } from './pricing.ts';

type Db = Kysely<OrdersDatabase>;
type Trx = Transaction<OrdersDatabase>;

export interface OrderRecord {
  readonly id: string;
  readonly userId: string;
  readonly status: OrderStatus;
  readonly totalAmount: number;
  readonly currency: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface OrderItemRecord {
  readonly productId: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitAmount: number;
}

/** A product whose stock (and so version) an order changed. */
export interface ProductChange {
  readonly id: string;
  readonly version: number;
}

export type StockShortfall =
  | { readonly kind: 'missing'; readonly productId: string }
  | { readonly kind: 'short'; readonly productId: string; readonly available: number };

/** Takes `quantity` of each product, or reports the first one that cannot be taken. */
export async function reserveStock(
  trx: Trx,
  items: readonly { productId: string; quantity: number }[],
): Promise<
  { products: Map<string, PricedProduct>; changed: ProductChange[] } | { shortfall: StockShortfall }
> {
  const products = new Map<string, PricedProduct>();
  const changed: ProductChange[] = [];
  const ordered = [...items].sort((a, b) => compareIds(a.productId, b.productId));
  for (const { productId, quantity } of ordered) {
    const row = await trx
      .updateTable('products')
      .set((eb) => ({
        stock: eb('stock', '-', quantity),
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', productId)
      .where('stock', '>=', quantity)
      .returning(['id', 'title', 'price_amount', 'currency', 'version'])
      .executeTakeFirst();
    if (row === undefined) {
      const current = await trx
        .selectFrom('products')
        .select('stock')
        .where('id', '=', productId)
        .executeTakeFirst();
      return {
        shortfall:
          current === undefined
            ? { kind: 'missing', productId }
            : { kind: 'short', productId, available: current.stock },
      };
    }
    products.set(productId, {
      id: row.id,
      title: row.title,
      priceAmount: row.price_amount,
      currency: row.currency,
    });
    changed.push({ id: row.id, version: row.version });
  }
  return { products, changed };
}

/** Puts an order's quantities back on the shelf (cancellation). */
export async function restock(trx: Trx, orderId: string): Promise<ProductChange[]> {
  const changed: ProductChange[] = [];
  const items = await trx
    .selectFrom('order_items')
    .select(['product_id', 'quantity'])
    .where('order_id', '=', orderId)
    .execute();
  items.sort((a, b) => compareIds(a.product_id, b.product_id));
  for (const item of items) {
    const row = await trx
      .updateTable('products')
      .set((eb) => ({
        stock: eb('stock', '+', item.quantity),
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', item.product_id)
      .returning(['id', 'version'])
      .executeTakeFirst();
    if (row !== undefined) changed.push(row);
  }
  return changed;
}

export async function insertOrder(
  trx: Trx,
  values: { userId: string; totalAmount: number; currency: string; lines: readonly OrderLine[] },
): Promise<OrderRecord> {
  const row = await trx
    .insertInto('orders')
    .values({
      user_id: values.userId,
      total_amount: values.totalAmount,
      currency: values.currency,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('order_items')
    .values(
      values.lines.map((line) => ({
        order_id: row.id,
        product_id: line.productId,
        quantity: line.quantity,
        unit_amount: line.unitAmount,
      })),
    )
    .execute();
  return toRecord(row);
}

export async function recordStatus(
  trx: Trx,
  values: { orderId: string; from: OrderStatus | null; to: OrderStatus; actorId: string },
): Promise<void> {
  await trx
    .insertInto('order_status_history')
    .values({
      order_id: values.orderId,
      from_status: values.from,
      to_status: values.to,
      actor_id: values.actorId,
    })
    .execute();
}

/** Locks the order row: transitions on one order happen one at a time. */
export async function findOrderForUpdate(trx: Trx, id: string): Promise<OrderRecord | undefined> {
  const row = await trx
    .selectFrom('orders')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function updateStatus(trx: Trx, id: string, to: OrderStatus): Promise<OrderRecord> {
  const row = await trx
    .updateTable('orders')
    .set((eb) => ({ status: to, version: eb('version', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** Sets settled_at once; false when it was set already. Not a change of the order's representation. */
export async function markSettled(trx: Trx, id: string): Promise<boolean> {
  const row = await trx
    .updateTable('orders')
    .set({ settled_at: new Date() })
    .where('id', '=', id)
    .where('settled_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findOrder(db: Db, id: string): Promise<OrderRecord | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

export async function findItems(
  db: Db,
  orderIds: readonly string[],
): Promise<Map<string, OrderItemRecord[]>> {
  const byOrder = new Map<string, OrderItemRecord[]>();
  if (orderIds.length === 0) return byOrder;
  const rows = await db
    .selectFrom('order_items as i')
    .innerJoin('products as p', 'p.id', 'i.product_id')
    .select(['i.order_id', 'i.product_id', 'p.title', 'i.quantity', 'i.unit_amount'])
    .where('i.order_id', 'in', orderIds)
    .orderBy('i.order_id')
    .orderBy('i.product_id')
    .execute();
  for (const row of rows) {
    const list = byOrder.get(row.order_id) ?? [];
    list.push({
      productId: row.product_id,
      title: row.title,
      quantity: row.quantity,
      unitAmount: row.unit_amount,
    });
    byOrder.set(row.order_id, list);
  }
  return byOrder;
}

/** Keyset page, newest first; only `userId`'s orders when given. */
export async function listOrders(
  db: Db,
  options: { userId?: string | undefined; limit: number; before?: string | undefined },
): Promise<OrderRecord[]> {
  let query = db.selectFrom('orders').selectAll().orderBy('id', 'desc').limit(options.limit);
  if (options.userId !== undefined) query = query.where('user_id', '=', options.userId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  return (await query.execute()).map(toRecord);
}

function toRecord(row: {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_amount: number;
  currency: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    totalAmount: row.total_amount,
    currency: row.currency,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Ids are int8 text: compare as numbers, without Number's precision loss. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
