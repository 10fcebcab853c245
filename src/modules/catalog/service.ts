// Catalog use cases. Depends on the sql port, not on HTTP.
//
// Writes are optimistic: the caller says which version it read (the route
// checks If-Match against it first), and the update or delete only matches
// the row at that version. Between the check and the write another writer
// can still land; the guarded statement then matches nothing, and the caller
// gets CATALOG_VERSION_CONFLICT (412) instead of silently overwriting it.
//
// Each write records its event (`product.created`, `.updated`, `.deleted`,
// with the version it left) in the same transaction (events/outbox.ts): the
// search index and webhooks hear of every committed write, and of no other.

import type { CatalogDatabase } from './tables.ts';
import type { FieldError } from '../../errors/index.ts';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import type { CacheAside } from '../../platform/cache/cache-aside.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { recordEvent } from '../events/outbox.ts';
import { catalogError } from './errors.ts';
import type { ListPage, ListSpec } from './listing.ts';
import {
  deleteProductIfVersion,
  findProductById,
  findProductsByIds,
  findReferences,
  insertProduct,
  listProducts,
  productExists,
  updateProductIfVersion,
  type ProductValues,
} from './repo.ts';
import { sanitizeDescription } from './sanitize.ts';
import type { Product, ProductInput } from './schemas.ts';
import type { ProductTextSearch } from './text-search.ts';

export interface CatalogService {
  /** From a replica when one is configured: for public reads. */
  getProduct(id: string): Promise<Product>;
  /** From the primary: the version a write is about to be checked against. */
  getProductForWrite(id: string): Promise<Product>;
  listProducts(spec: ListSpec): Promise<ListPage<Product>>;
  createProduct(input: ProductInput): Promise<Product>;
  /** Full replace of the product at `version`. */
  replaceProduct(id: string, version: number, input: ProductInput): Promise<Product>;
  deleteProduct(id: string, version: number): Promise<void>;
}

const notFound = (id: string) =>
  catalogError('CATALOG_PRODUCT_NOT_FOUND', { detail: `no product with id ${id}` });

export function createCatalogService(deps: {
  sql: SqlDatabase<CatalogDatabase>;
  /** Product reads go through it; writes invalidate it after they commit. */
  cache?: CacheAside<Product> | undefined;
  /** Answers the list's `q`; without it, `q` lists nothing. */
  search?: ProductTextSearch | undefined;
}): CatalogService {
  const { sql, cache, search } = deps;
  const load = (id: string) => () => findProductById(sql.reader, id);

  /** The brand and category by slug, the description sanitised; 422 for unknown slugs. */
  async function valuesOf(input: ProductInput): Promise<ProductValues> {
    const references = await findReferences(sql.db, input);
    const problems: FieldError[] = [];
    if (references.brand === undefined) {
      problems.push({ field: 'brand', in: 'body', code: 'unknown', message: 'no such brand' });
    }
    if (references.category === undefined) {
      problems.push({
        field: 'category',
        in: 'body',
        code: 'unknown',
        message: 'no such category',
      });
    }
    if (references.brand === undefined || references.category === undefined) {
      throw catalogError('CATALOG_UNKNOWN_REFERENCE', {
        detail: problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '),
        errors: problems,
      });
    }
    return {
      ...input,
      description: sanitizeDescription(input.description),
      brand: references.brand,
      category: references.category,
    };
  }

  /** Unique sku → its own 409; a brand or category deleted meanwhile stays the generic 409. */
  function skuTaken(error: unknown) {
    const mapped = toSqlError(error);
    if (
      mapped?.code === 'SQL_UNIQUE_VIOLATION' &&
      mapped.extensions?.constraint === 'products_sku_key'
    ) {
      return catalogError('CATALOG_SKU_TAKEN', {
        detail: 'another product has this SKU',
        errors: [{ field: 'sku', in: 'body', code: 'taken', message: 'is already in use' }],
      });
    }
    return error;
  }

  /** After a guarded write matched nothing: gone (404), or moved on (412). */
  async function lostRace(id: string): Promise<never> {
    if (!(await productExists(sql.db, id))) throw notFound(id);
    throw catalogError('CATALOG_VERSION_CONFLICT', {
      detail: 'the product changed after your If-Match was checked; read it again',
    });
  }

  return {
    async getProduct(id) {
      const product = await (cache === undefined ? load(id)() : cache.get(id, load(id)));
      if (product === undefined) throw notFound(id);
      return product;
    },

    async getProductForWrite(id) {
      const product = await findProductById(sql.db, id);
      if (product === undefined) throw notFound(id);
      return product;
    },

    async listProducts(spec) {
      if (spec.text === undefined) return listProducts(sql.reader, spec);
      const { query, sort, offset } = spec.text;
      const found = (await search?.find({
        text: query,
        filters: spec.filters,
        sort,
        offset,
        limit: spec.limit,
      })) ?? { ids: [], total: 0, hasMore: false };
      // The engine's hits, read as the list shows them. With an engine of
      // its own copy, a product deleted moments ago can still be a hit; it
      // is simply not on the page.
      const items = await findProductsByIds(sql.reader, found.ids);
      return {
        items,
        hasMore: found.hasMore,
        last: undefined,
        total: found.total,
        nextOffset: offset + found.ids.length,
      };
    },

    async createProduct(input) {
      const values = await valuesOf(input);
      let created: Product;
      try {
        created = await sql.withTransaction(async (trx) => {
          const product = await insertProduct(trx, values);
          await recordEvent(trx, {
            type: 'product.created',
            aggregateId: product.id,
            data: { productId: product.id, version: product.version },
          });
          return product;
        });
      } catch (error) {
        throw skuTaken(error);
      }
      // A 404 for this id is not cached, but a floor keeps any racing read honest.
      await cache?.invalidate(created.id, created.version);
      return created;
    },

    async replaceProduct(id, version, input) {
      const values = await valuesOf(input);
      let updated: Product | undefined;
      try {
        updated = await sql.withTransaction(async (trx) => {
          const product = await updateProductIfVersion(trx, id, version, values);
          if (product !== undefined) {
            await recordEvent(trx, {
              type: 'product.updated',
              aggregateId: id,
              data: { productId: id, version: product.version },
            });
          }
          return product;
        });
      } catch (error) {
        throw skuTaken(error);
      }
      if (updated === undefined) return lostRace(id);
      await cache?.invalidate(id, updated.version);
      return updated;
    },

    async deleteProduct(id, version) {
      let deleted: boolean;
      try {
        deleted = await sql.withTransaction(async (trx) => {
          const gone = await deleteProductIfVersion(trx, id, version);
          if (gone) {
            await recordEvent(trx, {
              type: 'product.deleted',
              aggregateId: id,
              data: { productId: id, version },
            });
          }
          return gone;
        });
      } catch (error) {
        if (toSqlError(error)?.code === 'SQL_FOREIGN_KEY_VIOLATION') {
          throw catalogError('CATALOG_PRODUCT_IN_USE', {
            detail: 'orders refer to this product; it cannot be deleted',
            cause: error,
          });
        }
        throw error;
      }
      if (!deleted) await lostRace(id);
      // Past the deleted version: a load that read the row before the delete is not kept.
      await cache?.invalidate(id, version + 1);
    },
  };
}

/** The entity tag of a product representation: changes with every write. */
export function productEtag(product: Pick<Product, 'id' | 'version'>): string {
  return `"p${product.id}.v${product.version}"`;
}
