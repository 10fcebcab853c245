// The version 2 product representation. What changed from v1, and why:
//
// - `brand` and `category` are their slugs, not `{ id, slug, name }`: slugs
//   are what clients filter and write with, and display names belong to the
//   brand and category resources, not copied into every product.
// - `price` adds `formatted`, the amount in the currency's own format
//   (`"€129.00"`, English conventions), so clients stop reimplementing
//   minor-unit arithmetic; `amount` stays integer minor units.
// - `availability` (`in_stock`, `low_stock` at 5 or fewer, `out_of_stock`)
//   replaces the raw `stock` count: exact stock is operational data that
//   competitors scrape and that changes with every order.
//
// Everything else (ids as strings, ISO-8601 UTC timestamps, `version`) is as
// in v1. The ETag is the same version tag: v1 and v2 are different
// resources, and an ETag read from either may be sent in If-Match to v1 writes.

import { z } from 'zod';
import { EXAMPLE_PRODUCT, productImageSummary, type Product } from './schemas.ts';

export const LOW_STOCK_THRESHOLD = 5;

export const AVAILABILITY = ['in_stock', 'low_stock', 'out_of_stock'] as const;

interface CurrencyFormat {
  readonly format: (value: number) => string;
  readonly scale: number;
}

// Building an Intl.NumberFormat is far slower than using one: one per currency.
const formats = new Map<string, CurrencyFormat>();

function formatOf(currency: string): CurrencyFormat {
  let format = formats.get(currency);
  if (format === undefined) {
    const intl = new Intl.NumberFormat('en', { style: 'currency', currency });
    format = {
      format: (value) => intl.format(value),
      scale: 10 ** (intl.resolvedOptions().maximumFractionDigits ?? 2),
    };
    // Currencies come from stored products (three capitals, checked on write): a bounded set.
    formats.set(currency, format);
  }
  return format;
}

/** `12900 EUR` → `€129.00`; `500 JPY` → `¥500`. */
export function formatMoney(amount: number, currency: string): string {
  const { format, scale } = formatOf(currency);
  return format(amount / scale);
}

export function availabilityOf(stock: number): (typeof AVAILABILITY)[number] {
  if (stock <= 0) return 'out_of_stock';
  return stock <= LOW_STOCK_THRESHOLD ? 'low_stock' : 'in_stock';
}

export function toProductV2(product: Product): ProductV2 {
  return {
    id: product.id,
    sku: product.sku,
    title: product.title,
    description: product.description,
    brand: product.brand.slug,
    category: product.category.slug,
    tags: product.tags,
    price: {
      amount: product.price.amount,
      currency: product.price.currency,
      formatted: formatMoney(product.price.amount, product.price.currency),
    },
    availability: availabilityOf(product.stock),
    images: product.images,
    version: product.version,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}

/**
 * For the document's examples: catalog's EXAMPLE_PRODUCT in this
 * representation, made by the same mapping the routes use. Typed as a plain
 * object: the schema below carries it, and its type comes from that schema.
 */
export const EXAMPLE_PRODUCT_V2: object = toProductV2(EXAMPLE_PRODUCT);

export const productV2 = z
  .strictObject({
    id: z.string(),
    sku: z.string(),
    title: z.string(),
    description: z.string().meta({ description: 'Sanitised HTML' }),
    brand: z.string().meta({ description: 'Brand slug', example: 'acme' }),
    category: z.string().meta({ description: 'Category slug', example: 'audio' }),
    tags: z.array(z.string()),
    price: z
      .strictObject({
        amount: z.number().int().min(0).meta({ description: 'Integer minor units (cents)' }),
        currency: z.string().meta({ description: 'ISO 4217 code', example: 'EUR' }),
        formatted: z.string().meta({ description: 'For display only', example: '€129.00' }),
      })
      .meta({ id: 'PriceV2' }),
    availability: z.enum(AVAILABILITY).meta({
      description: `low_stock means ${LOW_STOCK_THRESHOLD} or fewer left`,
    }),
    images: z.array(productImageSummary),
    version: z.number().int().min(1),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'ProductV2', example: EXAMPLE_PRODUCT_V2 });

export type ProductV2 = z.infer<typeof productV2>;
