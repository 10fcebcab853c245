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
import { cacheControl } from '../../http/cache-control.ts';
import type { Context } from '../../http/context.ts';
import { httpError } from '../../http/errors.ts';
import { checkPreconditions } from '../../http/preconditions.ts';
import type { Deprecation, RouteOptions } from '../../http/route.ts';
import { issuesToFieldErrors } from '../../http/validation.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import type { CursorCodec } from './cursor.ts';
import { listEnvelope, parseListRequest } from './listing.ts';
import { applyMergePatch } from './merge-patch.ts';
import {
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
import { productV2, toProductV2 } from './v2.ts';

const READ_CACHE = cacheControl({ visibility: 'public', maxAge: 60 });
// Lists change with every write to any product on them: fresh for a few seconds only.
const LIST_CACHE = cacheControl({ visibility: 'public', maxAge: 10 });

const V1_DEPRECATED_SINCE = new Date('2026-11-25T00:00:00Z');
const V1_SUNSET = new Date('2027-06-30T00:00:00Z');

function v1Read(successor: string): Deprecation {
  return { since: V1_DEPRECATED_SINCE, sunset: V1_SUNSET, successor };
}

const idParams = z.strictObject({ id: bigintId });

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
    readonly summary: string;
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
    summary: options.summary,
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
  app.group('/api/v1', { tags: ['catalog'] }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/products',
      auth: 'public',
      summary: 'List products',
      description:
        'Cursor pagination by default (follow links.next; meta.page and links.prev are null), offset pagination with page. Filters combine with AND.',
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
        summary: 'Read one product',
        deprecated: v1Read('/api/v2/products/:id'),
        schema: product,
        present: (found) => found,
      }),
    );

    v1.route({
      method: 'POST',
      path: '/products',
      permissions: ['catalog:write'],
      summary: 'Create a product',
      description:
        'Brand and category by slug (422 CATALOG_UNKNOWN_REFERENCE when unknown); a used SKU is 409 CATALOG_SKU_TAKEN. The description is sanitised HTML.',
      schema: {
        body: productInput,
        responses: { 201: { description: 'Created', ...productResponse } },
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
      summary: 'Replace a product',
      description:
        'A full replacement: description and tags left out become empty. Requires If-Match.',
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
      summary: 'Change a product (JSON Merge Patch)',
      description:
        'application/merge-patch+json (RFC 7386): members left out stay, null clears description (to "") and tags (to []), and is refused on required members. Requires If-Match.',
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
      summary: 'Delete a product',
      description:
        'Requires If-Match. A product that orders refer to cannot be deleted (409 CATALOG_PRODUCT_IN_USE).',
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

  app.group('/api/v2', { tags: ['catalog'] }, (v2) => {
    v2.route({
      method: 'GET',
      path: '/products',
      auth: 'public',
      summary: 'List products (v2 representation)',
      description:
        'As /api/v1/products, with items in the v2 representation: brand and category as slugs, price.formatted, availability instead of stock.',
      etag: false,
      schema: {
        query: productListQuery,
        responses: {
          200: {
            description: 'A page of products',
            schema: listOf(productV2, 'ProductListV2'),
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
        summary: 'Read one product (v2 representation)',
        schema: productV2,
        present: toProductV2,
      }),
    );
  });
}
