// The catalog tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Id, Ref, UpdatedAt } from '../../platform/sql/columns.ts';
import type { EventsTables } from '../events/tables.ts';

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

/** The tables this code owns, as Kysely sees them. */
export type CatalogTables = {
  categories: CategoriesTable;
  brands: BrandsTable;
  products: ProductsTable;
};

/** What the catalog's writes run on: its tables and the outbox their events go to. */
export interface CatalogDatabase extends CatalogTables, EventsTables {}
