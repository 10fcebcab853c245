// The catalog's wire shapes. 64-bit ids travel as strings, money as integer
// minor units with its currency, timestamps as ISO-8601 UTC.

import { z } from 'zod';
import { atLeastOneMember, notClearable } from '../../http/request/input-rules.ts';
import { pgText } from '../../platform/sql/pg-values.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

export const money = z
  .strictObject({
    amount: z.number().int().min(0).meta({ description: 'Integer minor units (cents)' }),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .meta({ description: 'ISO 4217 code', example: 'EUR' }),
  })
  .meta({ id: 'Money' });

const reference = z.strictObject({ id: z.string(), slug: z.string(), name: z.string() });

/** A finished image, as the product shows it (catalog/image-links.ts says why the URLs are stable). */
export const productImageSummary = z
  .strictObject({
    id: z.string(),
    contentType: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    url: z.string().meta({
      description:
        'A stable path on this service that redirects (302) to the image without its metadata, through a freshly presigned URL',
      example: '/api/v1/products/1/images/7/display',
    }),
    thumbnailUrl: z.string().meta({
      description: 'The same for the WebP thumbnail',
      example: '/api/v1/products/1/images/7/thumbnail',
    }),
  })
  .meta({ id: 'ProductImageSummary' });

export type ProductImageSummary = z.infer<typeof productImageSummary>;

/** For the document's examples: one product, as the list and the reads show it. */
export const EXAMPLE_PRODUCT = {
  id: '42',
  sku: 'SKU-000042',
  title: 'Audio Pro 142',
  description: '<p>Wireless and fast.</p>',
  brand: { id: '3', slug: 'acme', name: 'Acme' },
  category: { id: '5', slug: 'audio', name: 'Audio' },
  tags: ['sale', 'new'],
  price: { amount: 12900, currency: 'EUR' },
  stock: 25,
  images: [
    {
      id: '7',
      contentType: 'image/jpeg',
      width: 1600,
      height: 1200,
      url: '/api/v1/products/42/images/7/display',
      thumbnailUrl: '/api/v1/products/42/images/7/thumbnail',
    },
  ],
  version: 3,
  createdAt: '2026-01-01T00:42:00.000Z',
  updatedAt: '2026-03-02T10:00:00.000Z',
};

/**
 * For the document's examples: the `after` of a product list's links.next, as
 * the service signs it (cursor.ts) for `category=audio` after product 42.
 */
const EXAMPLE_LIST_CURSOR =
  '4HWqpwAB5a6s0_g0sjDEE6w1FA7-k22LaTF-V3Up-vZ7ImsiOlsiNDIiXSwiZiI6IjZmajJteDFvc1JnIn0';

/** The list envelope's example around `item`: a first page of `category=audio`, in cursor mode. */
export function exampleListPage<T>(basePath: string, item: T) {
  return {
    data: [item],
    meta: { page: null, limit: 20, total: 37, hasMore: true },
    links: {
      self: `${basePath}?category=audio&limit=20`,
      next: `${basePath}?category=audio&limit=20&after=${EXAMPLE_LIST_CURSOR}`,
      prev: null,
    },
  };
}

export const product = z
  .strictObject({
    id: z.string(),
    sku: z.string(),
    title: z.string(),
    description: z.string(),
    brand: reference,
    category: reference,
    tags: z.array(z.string()),
    price: money,
    stock: z.number().int().min(0),
    images: z.array(productImageSummary).meta({
      description:
        'The finished images, oldest first; uploads still pending or processing are not shown',
    }),
    version: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Product', example: EXAMPLE_PRODUCT });

export type Product = z.infer<typeof product>;

// ---- writes -----------------------------------------------------------------

export const INT4_MAX = 2_147_483_647;

/** Longer than any honest list cursor (five keys, a 200-character title in UTF-8, the MAC, base64). */
export const MAX_CURSOR_LENGTH = 2048;

export const slug = z
  .string()
  .max(64)
  // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with "-", which the previous part cannot consume: linear
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'must be a lower-case slug' });

const sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'letters, digits, ".", "_" and "-" only' });
export const TITLE_MAX = 200;
const title = pgText().trim().min(1).max(TITLE_MAX);
const description = pgText().max(20_000).meta({
  description:
    'HTML; sanitised on write to p, br, strong, em, ul, ol, li, h3, h4, blockquote, code, pre and a[href]',
});
const tag = pgText().trim().toLowerCase().min(1).max(40);
const tags = z
  .array(tag)
  .max(20)
  .transform((list) => [...new Set(list)])
  .meta({ description: 'Duplicates are dropped' });
const amount = z.number().int().min(0).max(INT4_MAX);
const currency = z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code' });
const stock = z.number().int().min(0).max(INT4_MAX);

/** A product as a client writes it (POST, PUT, and a PATCH's result): brand and category by slug. */
export const productInput = z
  .strictObject({
    sku,
    title,
    description: description.default(''),
    brand: slug.meta({ description: 'Brand slug', example: 'acme' }),
    category: slug.meta({ description: 'Category slug', example: 'audio' }),
    tags: tags.default([]),
    price: z.strictObject({ amount, currency }).meta({ description: 'Integer minor units' }),
    stock,
  })
  .meta({
    id: 'ProductInput',
    example: {
      sku: 'SKU-900001',
      title: 'Acme Studio Headphones',
      description: '<p>Closed-back, <strong>32 Ω</strong>.</p>',
      brand: 'acme',
      category: 'audio',
      tags: ['new'],
      price: { amount: 12900, currency: 'EUR' },
      stock: 25,
    },
  });

export type ProductInput = z.output<typeof productInput>;

/** For the document's examples: the product the ProductInput example creates. */
export const EXAMPLE_CREATED_PRODUCT = {
  id: '1001',
  sku: 'SKU-900001',
  title: 'Acme Studio Headphones',
  description: '<p>Closed-back, <strong>32 Ω</strong>.</p>',
  brand: { id: '3', slug: 'acme', name: 'Acme' },
  category: { id: '5', slug: 'audio', name: 'Audio' },
  tags: ['new'],
  price: { amount: 12900, currency: 'EUR' },
  stock: 25,
  images: [],
  version: 1,
  createdAt: '2026-12-07T09:30:00.000Z',
  updatedAt: '2026-12-07T09:30:00.000Z',
};

/**
 * A JSON Merge Patch (RFC 7386) of a product: absent members stay, `null`
 * clears `description` (to "") and `tags` (to []), and is refused on the
 * required members (`not_clearable`; the document shows them without null).
 * A patch must name something to change (`{}` is `empty`). The result is
 * validated as a whole, like a PUT body.
 */
export const productPatch = atLeastOneMember(
  z.strictObject({
    sku: notClearable(sku),
    title: notClearable(title),
    description: description.nullable().optional(),
    brand: notClearable(slug),
    category: notClearable(slug),
    tags: tags.nullable().optional(),
    price: notClearable(
      z.strictObject({ amount: notClearable(amount), currency: notClearable(currency) }),
    ),
    stock: notClearable(stock),
  }),
).meta({
  id: 'ProductMergePatch',
  description:
    'application/merge-patch+json (RFC 7386): null removes description and tags, and is refused on every other member',
  example: { price: { amount: 9900 }, description: null },
});

// ---- the list -----------------------------------------------------------------

const int4 = queryInteger(0, INT4_MAX);

/** The longest `q` taken (422 beyond): the same as GET /api/v1/search's. */
export const TEXT_QUERY_MAX_LENGTH = 200;

export const productListQuery = z.strictObject({
  q: pgText()
    .max(TEXT_QUERY_MAX_LENGTH)
    .optional()
    .meta({
      description: `Full-text search, as GET /api/v1/search reads it (web-search syntax, typos corrected, up to ${TEXT_QUERY_MAX_LENGTH} characters; too many words or operators is 400 SEARCH_QUERY_TOO_COMPLEX). With q, products come most relevant first, or by sort = price, -price or -createdAt; tag cannot be combined with it (400 CATALOG_PARAMETER_CONFLICT); pages stop at the first 1,000 hits. Empty: no search`,
      example: 'wireles headphones',
    }),
  page: queryInteger(1, 10_000)
    .optional()
    .meta({ description: 'Offset pagination: the 1-based page. Cannot be combined with after' }),
  limit: queryInteger(1, 100).default(20).meta({ description: 'Page size, 1 to 100' }),
  after: pgText().min(1).optional().meta({
    description:
      'Cursor pagination: the opaque cursor of links.next. Only valid with the same sort and filters; any other value is 400 CATALOG_INVALID_CURSOR',
    // What the cursor check (cursor.ts) refuses with that 400, for clients reading the document.
    maxLength: MAX_CURSOR_LENGTH,
    pattern: '^[A-Za-z0-9_-]+$',
  }),
  sort: z.string().optional().meta({
    description:
      'Comma-separated keys of price, title, createdAt, stock, id; "-" for descending. id always breaks ties',
    example: '-price,title',
  }),
  category: slug.optional().meta({ description: 'Category slug', example: 'audio' }),
  brand: slug.optional().meta({ description: 'Brand slug', example: 'acme' }),
  minPrice: int4.optional().meta({ description: 'Minimum price, integer minor units' }),
  maxPrice: int4.optional().meta({ description: 'Maximum price, integer minor units' }),
  tag: tag.optional().meta({ description: 'Only products carrying this tag', example: 'sale' }),
});

export type ProductListQuery = z.output<typeof productListQuery>;

/** The list envelope around items of `item`'s shape; `example` is the document's. */
export function listOf<T extends z.ZodType>(item: T, id: string, example: unknown) {
  return z
    .strictObject({
      data: z.array(item),
      meta: z.strictObject({
        page: z
          .number()
          .int()
          .nullable()
          .meta({ description: 'The page number; null in cursor mode' }),
        limit: z.number().int(),
        total: z
          .number()
          .int()
          .meta({ description: 'Products matching the filters, on all pages' }),
        hasMore: z.boolean(),
      }),
      links: z.strictObject({
        self: z.string(),
        next: z.string().nullable(),
        prev: z.string().nullable().meta({ description: 'Always null in cursor mode' }),
      }),
    })
    .meta({ id, example });
}

export const productList = listOf(
  product,
  'ProductList',
  exampleListPage('/api/v1/products', EXAMPLE_PRODUCT),
);
