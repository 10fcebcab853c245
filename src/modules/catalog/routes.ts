// Catalog HTTP routes: parse, call the service, shape the response.
//
// Version 1 has the reads and the writes; version 2 changes the product
// representation (see v2.ts) and has the reads. The v1 reads are deprecated
// with v2 as their successor. The v1 writes are not: v2 has no writes yet,
// and a deprecation with nowhere to go only teaches clients to ignore the
// header. They will be deprecated together with v1 once v2 can write.
//
// Every write is conditional: If-Match must carry the ETag the client read
// (428 without it, 412 when stale), and the service's update only matches the
// row at the version that was checked (412 CATALOG_VERSION_CONFLICT when
// another write landed in between).

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { httpError } from '../../http/errors.ts';
import { checkPreconditions } from '../../http/response/preconditions.ts';
import type { Deprecation, RouteOptions } from '../../http/routing/route.ts';
import { issuesToFieldErrors } from '../../http/request/validation.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import type { CursorCodec } from './cursor.ts';
import { listEnvelope, parseListRequest } from './listing.ts';
import { applyMergePatch } from './merge-patch.ts';
import {
  EXAMPLE_CREATED_PRODUCT,
  exampleListPage,
  listOf,
  product,
  productInput,
  productList,
  productListQuery,
  productPatch,
  type Product,
  type ProductInput,
} from './schemas.ts';
import { productEtag, type CatalogService } from './service.ts';
import { EXAMPLE_PRODUCT_V2, productV2, toProductV2 } from './v2.ts';

const READ_CACHE = cacheControl({ visibility: 'public', maxAge: 60 });
// Lists change with every write to any product on them: fresh for a few seconds only.
const LIST_CACHE = cacheControl({ visibility: 'public', maxAge: 10 });

const V1_DEPRECATED_SINCE = new Date('2026-11-25T00:00:00Z');
const V1_SUNSET = new Date('2027-06-30T00:00:00Z');

function v1Read(successor: string): Deprecation {
  return { since: V1_DEPRECATED_SINCE, sunset: V1_SUNSET, successor };
}

const idParams = z.strictObject({ id: bigintId });

/** The list's own 400s, and the search module's for a `q` it will not run. */
const LIST_ERRORS = [
  'CATALOG_INVALID_SORT',
  'CATALOG_INVALID_RANGE',
  'CATALOG_INVALID_CURSOR',
  'CATALOG_PAGINATION_CONFLICT',
  'CATALOG_PARAMETER_CONFLICT',
  'SEARCH_QUERY_TOO_COMPLEX',
];

// Required, so the document says so; a request without it still gets 428
// rather than the 422 (see validation.ts: a missing precondition header alone).
const ifMatchHeader = z.looseObject({
  'if-match': z.string().meta({
    description:
      'The ETag you last read. Required: 428 without it, 412 when the product changed since',
  }),
});

const productResponse = {
  schema: product,
  headers: { etag: { description: 'The new version tag, for the next If-Match' } },
};

/**
 * GET /products/:id in one representation (v1, v2): the product's version is
 * its ETag (instead of hashing the body), a matching If-None-Match is a 304,
 * and the read cache policy applies. The versions differ only in `present`.
 */
function productRead(
  catalog: CatalogService,
  options: {
    readonly operationId: string;
    readonly summary: string;
    readonly description: string;
    readonly deprecated?: Deprecation;
    readonly schema: z.ZodType;
    readonly present: (found: Product) => unknown;
  },
) {
  const schema = {
    params: idParams,
    responses: {
      200: {
        description: 'The product',
        schema: options.schema,
        headers: { etag: { description: 'Changes with every write' } },
      },
    },
  };
  const route: RouteOptions<typeof schema> = {
    method: 'GET',
    path: '/products/:id',
    auth: 'public',
    operationId: options.operationId,
    summary: options.summary,
    description: options.description,
    errors: ['CATALOG_PRODUCT_NOT_FOUND'],
    ...(options.deprecated === undefined ? {} : { deprecated: options.deprecated }),
    etag: false,
    schema,
    handler: async (c) => {
      const found = await catalog.getProduct(c.input.params.id);
      c.set('cache-control', READ_CACHE);
      if (checkPreconditions(c, { etag: productEtag(found) }) === 'not-modified') return;
      return options.present(found);
    },
  };
  return route;
}

/** The product as a client would write it: what a merge patch applies to. */
function writable(current: Product): ProductInput {
  return {
    sku: current.sku,
    title: current.title,
    description: current.description,
    brand: current.brand.slug,
    category: current.category.slug,
    tags: current.tags,
    price: { ...current.price },
    stock: current.stock,
  };
}

/** A patched document must be a valid product as a whole, like a PUT body. */
function validProduct(document: unknown): ProductInput {
  const result = productInput.safeParse(document);
  if (result.success) return result.data;
  const errors = issuesToFieldErrors('body', result.error.issues, document);
  throw httpError('HTTP_VALIDATION_FAILED', {
    detail: `the patched product is not valid: ${errors.length} field${errors.length === 1 ? '' : 's'}`,
    errors,
  });
}

/** Reads the product from the primary and checks If-Match against it (428/412). */
async function currentFor(c: Context, catalog: CatalogService, id: string): Promise<Product> {
  const current = await catalog.getProductForWrite(id);
  checkPreconditions(c, { etag: productEtag(current) }, { requireIfMatch: true });
  return current;
}

/**
 * The catalog's routes. `cursors` signs and checks the list's paging cursors:
 * built from a key every instance shares, so any instance takes any cursor.
 */
export function registerCatalogRoutes(
  app: App,
  catalog: CatalogService,
  cursors: CursorCodec,
): void {
  app.group('/api/v1', { tags: ['catalog'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/products',
      auth: 'public',
      operationId: 'listProducts',
      summary: 'List products',
      description:
        'Deprecated: use listProductsV2. Cursor paging by default: follow links.next (meta.page and links.prev are null); `page` switches to numbered pages. Filters combine with AND; `sort` takes comma-separated keys, `-` for descending. `q` searches the text with the same engine and rules as searchProducts: most relevant first (or sort = price, -price, -createdAt), up to the first 1,000 hits. A cursor only works with the q, sort and filters it was issued for (400 CATALOG_INVALID_CURSOR).',
      errors: LIST_ERRORS,
      deprecated: v1Read('/api/v2/products'),
      // The body changes with any product on the page; hashing it would
      // only save bytes, never the query.
      etag: false,
      schema: {
        query: productListQuery,
        responses: { 200: { description: 'A page of products', schema: productList } },
      },
      handler: async (c) => {
        const spec = parseListRequest(c.input.query, cursors);
        const page = await catalog.listProducts(spec);
        c.set('cache-control', LIST_CACHE);
        return listEnvelope('/api/v1/products', spec, page, cursors);
      },
    });

    v1.route(
      productRead(catalog, {
        operationId: 'getProduct',
        summary: 'Read a product',
        description:
          'Deprecated: use getProductV2. The ETag is the product’s version: send it as If-None-Match for a 304, or as If-Match to the writes. Cacheable for a minute.',
        deprecated: v1Read('/api/v2/products/:id'),
        schema: product,
        present: (found) => found,
      }),
    );

    v1.route({
      method: 'POST',
      path: '/products',
      permissions: ['catalog:write'],
      operationId: 'createProduct',
      summary: 'Create a product',
      description:
        'Brand and category are given by slug (422 CATALOG_UNKNOWN_REFERENCE when one is unknown); a SKU already in use is 409 CATALOG_SKU_TAKEN. The description is HTML and is sanitised. The answer carries the ETag for the next If-Match.',
      errors: ['CATALOG_UNKNOWN_REFERENCE', 'CATALOG_SKU_TAKEN'],
      schema: {
        body: productInput,
        responses: {
          201: {
            description: 'Created',
            ...productResponse,
            schema: product.meta({ example: EXAMPLE_CREATED_PRODUCT }),
          },
        },
      },
      handler: async (c) => {
        const created = await catalog.createProduct(c.input.body);
        c.set('etag', productEtag(created));
        c.created(`/api/v1/products/${created.id}`, created);
      },
    });

    v1.route({
      method: 'PUT',
      path: '/products/:id',
      permissions: ['catalog:write'],
      operationId: 'replaceProduct',
      summary: 'Replace a product',
      description:
        'A full replacement: description and tags left out become empty. Send If-Match with the ETag you read: 428 HTTP_PRECONDITION_REQUIRED without it, 412 HTTP_PRECONDITION_FAILED when the product changed since, 412 CATALOG_VERSION_CONFLICT when another write landed while this one ran. The answer carries the new ETag.',
      errors: [
        'CATALOG_PRODUCT_NOT_FOUND',
        'HTTP_PRECONDITION_REQUIRED',
        'HTTP_PRECONDITION_FAILED',
        'CATALOG_VERSION_CONFLICT',
        'CATALOG_UNKNOWN_REFERENCE',
        'CATALOG_SKU_TAKEN',
      ],
      schema: {
        params: idParams,
        headers: ifMatchHeader,
        body: productInput,
        responses: { 200: { description: 'Replaced', ...productResponse } },
      },
      handler: async (c) => {
        const { id } = c.input.params;
        const current = await currentFor(c, catalog, id);
        const updated = await catalog.replaceProduct(id, current.version, c.input.body);
        c.set('etag', productEtag(updated));
        return updated;
      },
    });

    v1.route({
      method: 'PATCH',
      path: '/products/:id',
      permissions: ['catalog:write'],
      operationId: 'updateProduct',
      summary: 'Change a product',
      description:
        'A JSON Merge Patch (RFC 7386, application/merge-patch+json): members left out stay as they are, null clears description (to "") and tags (to []) and is refused on required members; the patched product must be valid as a whole. If-Match is required as for replaceProduct. The answer carries the new ETag.',
      errors: [
        'CATALOG_PRODUCT_NOT_FOUND',
        'HTTP_PRECONDITION_REQUIRED',
        'HTTP_PRECONDITION_FAILED',
        'CATALOG_VERSION_CONFLICT',
        'CATALOG_UNKNOWN_REFERENCE',
        'CATALOG_SKU_TAKEN',
      ],
      accepts: ['application/merge-patch+json'],
      schema: {
        params: idParams,
        headers: ifMatchHeader,
        body: productPatch,
        responses: { 200: { description: 'Changed', ...productResponse } },
      },
      handler: async (c) => {
        const { id } = c.input.params;
        const current = await currentFor(c, catalog, id);
        const patched = validProduct(applyMergePatch(writable(current), c.input.body));
        const updated = await catalog.replaceProduct(id, current.version, patched);
        c.set('etag', productEtag(updated));
        return updated;
      },
    });

    v1.route({
      method: 'DELETE',
      path: '/products/:id',
      permissions: ['catalog:write'],
      operationId: 'deleteProduct',
      summary: 'Delete a product',
      description:
        'If-Match is required as for replaceProduct. A product that orders refer to cannot be deleted (409 CATALOG_PRODUCT_IN_USE).',
      errors: [
        'CATALOG_PRODUCT_NOT_FOUND',
        'HTTP_PRECONDITION_REQUIRED',
        'HTTP_PRECONDITION_FAILED',
        'CATALOG_VERSION_CONFLICT',
        'CATALOG_PRODUCT_IN_USE',
      ],
      schema: {
        params: idParams,
        headers: ifMatchHeader,
        responses: { 204: { description: 'Deleted' } },
      },
      handler: async (c) => {
        const { id } = c.input.params;
        const current = await currentFor(c, catalog, id);
        await catalog.deleteProduct(id, current.version);
        c.removeResponseHeader('etag');
        c.noContent();
      },
    });
  });

  app.group('/api/v2', { tags: ['catalog'], errors: DATABASE_ERRORS }, (v2) => {
    v2.route({
      method: 'GET',
      path: '/products',
      auth: 'public',
      operationId: 'listProductsV2',
      summary: 'List products (v2)',
      description:
        'As listProducts, with each product in the v2 representation (see getProductV2). Cursor paging by default: follow links.next; `page` switches to numbered pages. `q` searches as on listProducts. A cursor only works with the q, sort and filters it was issued for (400 CATALOG_INVALID_CURSOR).',
      errors: LIST_ERRORS,
      etag: false,
      schema: {
        query: productListQuery,
        responses: {
          200: {
            description: 'A page of products',
            schema: listOf(
              productV2,
              'ProductListV2',
              exampleListPage('/api/v2/products', EXAMPLE_PRODUCT_V2),
            ),
          },
        },
      },
      handler: async (c) => {
        const spec = parseListRequest(c.input.query, cursors);
        const page = await catalog.listProducts(spec);
        c.set('cache-control', LIST_CACHE);
        return listEnvelope(
          '/api/v2/products',
          spec,
          { ...page, items: page.items.map(toProductV2) },
          cursors,
        );
      },
    });

    v2.route(
      productRead(catalog, {
        operationId: 'getProductV2',
        summary: 'Read a product (v2)',
        description:
          'The v2 representation: brand and category as slugs, a formatted price, availability instead of the stock count. The ETag is the product’s version, the same as v1’s: send it as If-None-Match for a 304, or as If-Match to the v1 writes. Cacheable for a minute.',
        schema: productV2,
        present: toProductV2,
      }),
    );
  });
}
