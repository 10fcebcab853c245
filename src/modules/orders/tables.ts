// The orders tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Id, Ref, UpdatedAt } from '../../platform/sql/columns.ts';
import type { AuthDatabase } from '../auth/tables.ts';
import type { CatalogTables } from '../catalog/tables.ts';
import type { InventoryTables } from '../inventory/tables.ts';
import type { PaymentsDatabase } from '../payments/tables.ts';

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface OrdersTable {
  id: Id;
  user_id: Ref;
  status: Generated<OrderStatus>;
  total_amount: number;
  currency: string;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Set by the order-complete flow (migrations/0016_payment_capture.sql). */
  settled_at: ColumnType<Date | null, never, Date | null>;
}

export interface OrderItemsTable {
  order_id: Ref;
  product_id: Ref;
  quantity: number;
  unit_amount: number;
}

export interface OrderStatusHistoryTable {
  id: Id;
  order_id: Ref;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  actor_id: Ref | null;
  changed_at: ColumnType<Date, Date | undefined, never>;
}

/** The tables this code owns, as Kysely sees them. */
export type OrdersTables = {
  orders: OrdersTable;
  order_items: OrderItemsTable;
  order_status_history: OrderStatusHistoryTable;
};

/**
 * Every table orders code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface OrdersDatabase
  extends OrdersTables, CatalogTables, PaymentsDatabase, InventoryTables, AuthDatabase {}
