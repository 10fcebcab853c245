// Pricing an order from the products it reserves: unit prices are taken
// from the catalog at the moment of ordering (the client never sends
// prices), every line is integer minor units, and one order has one
// currency. Pure, so the rules are testable without a database.

import { ordersError } from './errors.ts';

export interface PricedProduct {
  readonly id: string;
  readonly title: string;
  readonly priceAmount: number;
  readonly currency: string;
}

export interface OrderLine {
  readonly productId: string;
  readonly title: string;
  readonly quantity: number;
  readonly unitAmount: number;
  readonly lineAmount: number;
}

export interface PricedOrder {
  readonly lines: OrderLine[];
  readonly totalAmount: number;
  readonly currency: string;
}

/** The orders table stores totals as `integer`. */
export const MAX_ORDER_TOTAL = 2_147_483_647;

export function priceOrder(
  items: readonly { productId: string; quantity: number }[],
  products: ReadonlyMap<string, PricedProduct>,
): PricedOrder {
  const lines: OrderLine[] = [];
  const currencies = new Set<string>();
  let total = 0;
  for (const item of items) {
    const product = products.get(item.productId);
    if (product === undefined) throw new Error(`product ${item.productId} was not reserved`);
    currencies.add(product.currency);
    const lineAmount = product.priceAmount * item.quantity;
    total += lineAmount;
    lines.push({
      productId: product.id,
      title: product.title,
      quantity: item.quantity,
      unitAmount: product.priceAmount,
      lineAmount,
    });
  }
  if (currencies.size > 1) {
    throw ordersError('ORDERS_MIXED_CURRENCIES', {
      detail: `one order takes one currency; these items are in ${[...currencies].sort().join(', ')}`,
    });
  }
  if (!Number.isSafeInteger(total) || total > MAX_ORDER_TOTAL) {
    throw ordersError('ORDERS_TOTAL_TOO_LARGE', {
      detail: `the order total exceeds ${MAX_ORDER_TOTAL} minor units; split it`,
    });
  }
  const [currency] = currencies;
  return { lines, totalAmount: total, currency: currency! };
}
