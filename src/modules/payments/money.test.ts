// Money without HTTP or a database: formatting for messages is exact for any
// integer amount and follows each currency's minor unit; int8 text converts
// only when it is exact; the wire schemas accept integer minor units and
// nothing else.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatMoney, MAX_MINOR_UNITS, minorUnitDigits, minorUnitsFromDb } from './money.ts';
import { creditRequest, positiveMoney, signedMoney, transferRequest } from './schemas.ts';

describe('formatMoney', () => {
  test('shows major units with the currency’s digits and the code after', () => {
    assert.equal(formatMoney({ amount: 1200, currency: 'EUR' }), '12.00 EUR');
    assert.equal(formatMoney({ amount: 1250, currency: 'EUR' }), '12.50 EUR');
    assert.equal(formatMoney({ amount: 5, currency: 'EUR' }), '0.05 EUR');
    assert.equal(formatMoney({ amount: 0, currency: 'EUR' }), '0.00 EUR');
    assert.equal(formatMoney({ amount: 123456789, currency: 'EUR' }), '1234567.89 EUR');
  });

  test('signs debits', () => {
    assert.equal(formatMoney({ amount: -1234, currency: 'EUR' }), '-12.34 EUR');
    assert.equal(formatMoney({ amount: -7, currency: 'EUR' }), '-0.07 EUR');
  });

  test('follows ISO 4217 minor units: none for JPY, three for BHD', () => {
    assert.equal(minorUnitDigits('EUR'), 2);
    assert.equal(minorUnitDigits('JPY'), 0);
    assert.equal(minorUnitDigits('BHD'), 3);
    assert.equal(formatMoney({ amount: 500, currency: 'JPY' }), '500 JPY');
    assert.equal(formatMoney({ amount: 1234, currency: 'BHD' }), '1.234 BHD');
  });

  test('is exact at the largest amount and for int8 text and bigints beyond doubles', () => {
    assert.equal(
      formatMoney({ amount: MAX_MINOR_UNITS, currency: 'EUR' }),
      '90071992547409.91 EUR',
    );
    assert.equal(
      formatMoney({ amount: '-9223372036854775808', currency: 'EUR' }),
      '-92233720368547758.08 EUR',
    );
    assert.equal(
      formatMoney({ amount: 10n ** 20n + 1n, currency: 'EUR' }),
      '1000000000000000000.01 EUR',
    );
  });

  test('refuses what is not integer minor units or not a currency code', () => {
    assert.throws(() => formatMoney({ amount: 12.5, currency: 'EUR' }), RangeError);
    assert.throws(() => formatMoney({ amount: Number.NaN, currency: 'EUR' }), RangeError);
    assert.throws(() => formatMoney({ amount: MAX_MINOR_UNITS + 1, currency: 'EUR' }), RangeError);
    assert.throws(() => formatMoney({ amount: '12.50', currency: 'EUR' }), RangeError);
    assert.throws(() => formatMoney({ amount: 1, currency: 'eur' }), RangeError);
    assert.throws(() => formatMoney({ amount: 1, currency: 'EURO' }), RangeError);
  });
});

describe('minorUnitsFromDb', () => {
  test('converts int8 text exactly, within ±(2^53 - 1)', () => {
    assert.equal(minorUnitsFromDb('0'), 0);
    assert.equal(minorUnitsFromDb('-1250'), -1250);
    assert.equal(minorUnitsFromDb('9007199254740991'), MAX_MINOR_UNITS);
    assert.equal(minorUnitsFromDb('-9007199254740991'), -MAX_MINOR_UNITS);
  });

  test('refuses values a number cannot hold exactly, and non-integers', () => {
    assert.throws(() => minorUnitsFromDb('9007199254740992'), RangeError);
    assert.throws(() => minorUnitsFromDb('-9223372036854775808'), RangeError);
    assert.throws(() => minorUnitsFromDb('1.5'), RangeError);
    assert.throws(() => minorUnitsFromDb(''), RangeError);
  });
});

describe('money on the wire', () => {
  const accepts = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) =>
    schema.safeParse(value).success;

  test('an amount to move is a positive integer of minor units with a capitalised code', () => {
    assert.ok(accepts(positiveMoney, { amount: 1, currency: 'EUR' }));
    assert.ok(accepts(positiveMoney, { amount: MAX_MINOR_UNITS, currency: 'EUR' }));
    for (const amount of [0, -1, 12.5, MAX_MINOR_UNITS + 1, '1250', null, Number.NaN]) {
      assert.ok(!accepts(positiveMoney, { amount, currency: 'EUR' }), `amount ${String(amount)}`);
    }
    for (const currency of ['eur', 'EURO', 'E1R', '', undefined]) {
      assert.ok(!accepts(positiveMoney, { amount: 100, currency }), `currency ${String(currency)}`);
    }
    assert.ok(!accepts(positiveMoney, { amount: 100, currency: 'EUR', cents: true }));
  });

  test('ledger amounts are signed integers', () => {
    assert.ok(accepts(signedMoney, { amount: -1250, currency: 'EUR' }));
    assert.ok(!accepts(signedMoney, { amount: -0.5, currency: 'EUR' }));
  });

  test('a transfer names the recipient by id and the amount as money', () => {
    assert.ok(
      accepts(transferRequest, { toUserId: '12', amount: { amount: 100, currency: 'EUR' } }),
    );
    assert.ok(
      !accepts(transferRequest, { toUserId: 12, amount: { amount: 100, currency: 'EUR' } }),
    );
    assert.ok(
      !accepts(transferRequest, { toUserId: '0', amount: { amount: 100, currency: 'EUR' } }),
    );
    assert.ok(!accepts(transferRequest, { toUserId: '12', amount: 100 }));
    assert.ok(
      !accepts(transferRequest, {
        toUserId: '12',
        amount: { amount: 100, currency: 'EUR' },
        note: 'lunch',
      }),
    );
    assert.ok(accepts(creditRequest, { amount: { amount: 100, currency: 'EUR' } }));
    assert.ok(!accepts(creditRequest, { amount: { amount: 0, currency: 'EUR' } }));
  });
});
