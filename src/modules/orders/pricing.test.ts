import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../errors/index.ts';
import { MAX_ORDER_TOTAL, priceOrder, type PricedProduct } from './pricing.ts';

const product = (id: string, priceAmount: number, currency = 'EUR'): PricedProduct => ({
  id,
  title: `Product ${id}`,
  priceAmount,
  currency,
});

const catalog = (...products: PricedProduct[]) => new Map(products.map((p) => [p.id, p]));

describe('pricing an order', () => {
  test('lines are unit price × quantity in minor units; the total is their sum', () => {
    const priced = priceOrder(
      [
        { productId: '1', quantity: 3 },
        { productId: '2', quantity: 1 },
      ],
      catalog(product('1', 1999), product('2', 5)),
    );
    assert.deepEqual(
      priced.lines.map((line) => [line.productId, line.unitAmount, line.lineAmount]),
      [
        ['1', 1999, 5997],
        ['2', 5, 5],
      ],
    );
    assert.equal(priced.totalAmount, 6002);
    assert.equal(priced.currency, 'EUR');
  });

  test('one order, one currency', () => {
    assert.throws(
      () =>
        priceOrder(
          [
            { productId: '1', quantity: 1 },
            { productId: '2', quantity: 1 },
          ],
          catalog(product('1', 100, 'EUR'), product('2', 100, 'USD')),
        ),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'ORDERS_MIXED_CURRENCIES' &&
        /EUR, USD/.test(error.detail ?? ''),
    );
  });

  test('a total beyond the integer column is refused, not truncated', () => {
    const priced = priceOrder(
      [{ productId: '1', quantity: 1 }],
      catalog(product('1', MAX_ORDER_TOTAL)),
    );
    assert.equal(priced.totalAmount, MAX_ORDER_TOTAL);
    assert.throws(
      () => priceOrder([{ productId: '1', quantity: 2 }], catalog(product('1', MAX_ORDER_TOTAL))),
      (error: unknown) => error instanceof AppError && error.code === 'ORDERS_TOTAL_TOO_LARGE',
    );
  });
});
