// The catalog's reads over gRPC (proto/throughline/v1/catalog.proto): the
// same service, list parsing, cursors and errors as the HTTP routes, only
// the messages differ — the list request is read as the HTTP query would be
// (so the same schema checks it), and a page answers with its next cursor.

import { z } from 'zod';
import { unary, type GrpcService } from '../../grpc/unary.ts';
import { parseMessage } from '../../grpc/validation.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import type { CursorCodec } from './cursor.ts';
import { nextCursor, parseListRequest } from './listing.ts';
import { productListQuery, type Product } from './schemas.ts';
import type { CatalogService } from './service.ts';

interface ListProductsRequest {
  readonly limit: number;
  readonly after: string;
  readonly sort: string;
  readonly category: string;
  readonly brand: string;
  readonly tag: string;
  readonly minPrice?: number;
  readonly maxPrice?: number;
  readonly q: string;
}

const getProductRequest = z.object({ id: bigintId });

/** The message's set fields as the HTTP query's strings (proto3: '' and 0 mean unset). */
function asQuery(request: ListProductsRequest): Record<string, string> {
  const query: Record<string, string> = {};
  for (const name of ['after', 'sort', 'category', 'brand', 'tag', 'q'] as const) {
    if (request[name] !== '') query[name] = request[name];
  }
  if (request.limit !== 0) query.limit = String(request.limit);
  if (request.minPrice !== undefined) query.minPrice = String(request.minPrice);
  if (request.maxPrice !== undefined) query.maxPrice = String(request.maxPrice);
  return query;
}

/** The Product message: the JSON representation without the image links (HTTP's). */
export function productMessage(product: Product) {
  const { images: _images, ...rest } = product;
  return rest;
}

export function catalogGrpc(catalog: CatalogService, cursors: CursorCodec): GrpcService {
  return {
    name: 'throughline.v1.CatalogService',
    methods: {
      GetProduct: unary({
        auth: 'public',
        handle: async (request: { id: string }) => {
          const { id } = parseMessage(getProductRequest, request);
          return productMessage(await catalog.getProduct(id));
        },
      }),
      ListProducts: unary({
        auth: 'public',
        handle: async (request: ListProductsRequest) => {
          const spec = parseListRequest(parseMessage(productListQuery, asQuery(request)), cursors);
          const page = await catalog.listProducts(spec);
          return {
            products: page.items.map(productMessage),
            nextCursor: nextCursor(spec, page, cursors) ?? '',
            total: page.total,
          };
        },
      }),
    },
  };
}
