// Catalog use cases. Depends on the sql port, not on HTTP.

import type { Database } from '../../db/schema.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { catalogError } from './errors.ts';
import { findProductById } from './repo.ts';
import type { Product } from './schemas.ts';

export interface CatalogService {
  getProduct(id: string): Promise<Product>;
}

export function createCatalogService(deps: { sql: SqlDatabase<Database> }): CatalogService {
  return {
    async getProduct(id) {
      const product = await findProductById(deps.sql.reader, id);
      if (product === undefined) {
        throw catalogError('CATALOG_PRODUCT_NOT_FOUND', { detail: `no product with id ${id}` });
      }
      return product;
    },
  };
}

/** The entity tag of a product representation: changes with every write. */
export function productEtag(product: Pick<Product, 'id' | 'version'>): string {
  return `"p${product.id}.v${product.version}"`;
}
