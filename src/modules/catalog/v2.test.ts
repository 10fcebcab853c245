// The v2 representation's derived fields.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { availabilityOf, formatMoney } from './v2.ts';

describe('v2 representation', () => {
  test('formats minor units in the currency’s own scale', () => {
    assert.equal(formatMoney(12900, 'EUR'), '€129.00');
    assert.equal(formatMoney(199, 'USD'), '$1.99');
    assert.equal(formatMoney(500, 'JPY'), '¥500');
    assert.equal(formatMoney(1234567, 'EUR'), '€12,345.67');
  });

  test('availability from stock: out at 0, low up to 5', () => {
    assert.deepEqual([0, 1, 5, 6, 200].map(availabilityOf), [
      'out_of_stock',
      'low_stock',
      'low_stock',
      'in_stock',
      'in_stock',
    ]);
  });
});
