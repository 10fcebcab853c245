// Table shapes as Kysely sees them: what a select returns and what an insert
// or update may set. Columns follow the database (snake_case); repositories
// map rows to the domain's camelCase shapes. int8 columns come back as
// strings and timestamptz as Date (see platform/sql/type-parsers.ts).

import type { ColumnType, Generated } from 'kysely';

type Id = ColumnType<string, never, never>;
type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;
/** A bigint foreign key: read as string, written as string. */
type Ref = string;

export interface UsersTable {
  id: Id;
  email: string;
  password_hash: string;
  role: Generated<'admin' | 'editor' | 'customer'>;
  display_name: Generated<string>;
  email_verified_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CategoriesTable {
  id: Id;
  slug: string;
  name: string;
}

export interface BrandsTable {
  id: Id;
  slug: string;
  name: string;
}

export interface ProductsTable {
  id: Id;
  sku: string;
  title: string;
  description: Generated<string>;
  brand_id: Ref;
  category_id: Ref;
  tags: Generated<string[]>;
  price_amount: number;
  currency: string;
  stock: number;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  search: ColumnType<string, never, never>;
}

export interface OrdersTable {
  id: Id;
  user_id: Ref;
  status: Generated<'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled'>;
  total_amount: number;
  currency: string;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OrderItemsTable {
  order_id: Ref;
  product_id: Ref;
  quantity: number;
  unit_amount: number;
}

export interface Database {
  users: UsersTable;
  categories: CategoriesTable;
  brands: BrandsTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
}
