// The warehouse tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType } from 'kysely';

/** The warehouse's pick list, one per order (modules/inventory/). */
export interface OrderFulfilmentsTable {
  order_id: ColumnType<string, string, never>;
  /** jsonb: written as JSON text. */
  pick_list: ColumnType<unknown, string, never>;
  allocated_at: ColumnType<Date, never, never>;
}

/** The tables this code owns, as Kysely sees them. */
export type InventoryTables = {
  order_fulfilments: OrderFulfilmentsTable;
};
