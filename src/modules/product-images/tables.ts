// The product-images table, as Kysely sees it (migrations/0022_product_images.sql).

import type { CreatedAt, Id, Ref, UpdatedAt } from '../../platform/sql/columns.ts';
import type { Generated } from 'kysely';
import type { CatalogTables } from '../catalog/tables.ts';
import type { EventsTables } from '../events/tables.ts';

export type ImageStatus = 'pending' | 'processing' | 'ready' | 'failed';

export interface ProductImagesTable {
  id: Id;
  product_id: Ref;
  status: Generated<ImageStatus>;
  content_type: string;
  size_bytes: number | string;
  width: number | null;
  height: number | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ProductImagesTables {
  product_images: ProductImagesTable;
}

/**
 * What the module's queries see: its table, the products it hangs off (an
 * image finished or removed is a new version of its product), and the outbox
 * that version's `product.updated` goes to.
 */
export type ProductImagesDatabase = ProductImagesTables &
  Pick<CatalogTables, 'products'> &
  EventsTables;
