// Money as payments handles it: an integer number of minor units (cents)
// with its ISO 4217 currency, never a float. Amounts live in bigint columns
// capped at 2^53 - 1 (migrations/0007_payments.sql), so every stored value
// is exact as a JavaScript number and as a JSON number on the wire. Pure
// functions only: formatting for messages and converting the database's
// int8 text, testable without HTTP or a database.

export interface Money {
  /** Integer minor units; negative only for signed ledger amounts. */
  readonly amount: number;
  readonly currency: string;
}

/** The largest amount held or moved, and the database's cap: exact in a double. */
export const MAX_MINOR_UNITS = Number.MAX_SAFE_INTEGER;

/**
 * The currencies wallets hold: the rows of the `currencies` table
 * (migrations/0007_payments.sql). Requests naming another are refused by
 * their schemas and the document lists these, so a second currency is a
 * migration adding its row and an entry here (a test keeps the two equal).
 */
export const HELD_CURRENCIES = ['EUR'] as const;

/** The currency wallets are opened in when a request names none. */
export const DEFAULT_CURRENCY: (typeof HELD_CURRENCIES)[number] = 'EUR';

const CURRENCY_CODE = /^[A-Z]{3}$/;
const INTEGER_TEXT = /^-?\d+$/;

export function isCurrencyCode(value: string): boolean {
  return CURRENCY_CODE.test(value);
}

const digitsCache = new Map<string, number>();

/**
 * Digits after the decimal point in `currency` (its ISO 4217 minor unit:
 * EUR 2, JPY 0, BHD 3), from the runtime's locale data, so a new currency
 * needs no table here.
 */
export function minorUnitDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    if (!isCurrencyCode(currency)) {
      throw new RangeError(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
    }
    const options = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
    digits = options.maximumFractionDigits ?? 2;
    digitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * `12.00 EUR`, `-0.05 EUR`, `500 JPY`: the amount in major units with the
 * currency's digits, no grouping, and the code after it. Computed on the
 * decimal digits, never through floating point, so it is exact for any
 * integer (int8 text from the database included).
 */
export function formatMoney(money: { amount: number | bigint | string; currency: string }): string {
  const minor = toBigInt(money.amount);
  const digits = minorUnitDigits(money.currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits === 0 ? '' : `.${text.slice(text.length - digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction} ${money.currency}`;
}

/**
 * An int8 column's text (`'-1250'`) as a number. Throws when it is not an
 * integer or lies beyond ±(2^53 - 1), which the database's checks exclude:
 * a silent rounding of money would be worse than a failed request.
 */
export function minorUnitsFromDb(value: string): number {
  const amount = toBigInt(value);
  if (amount > BigInt(MAX_MINOR_UNITS) || amount < -BigInt(MAX_MINOR_UNITS)) {
    throw new RangeError(`amount ${value} is beyond ±2^53 - 1 minor units`);
  }
  return Number(amount);
}

function toBigInt(amount: number | bigint | string): bigint {
  if (typeof amount === 'bigint') return amount;
  if (typeof amount === 'number') {
    if (!Number.isSafeInteger(amount)) {
      throw new RangeError(`amount must be a safe integer of minor units, got ${amount}`);
    }
    return BigInt(amount);
  }
  if (!INTEGER_TEXT.test(amount)) {
    throw new RangeError(`amount must be integer minor units, got ${JSON.stringify(amount)}`);
  }
  return BigInt(amount);
}
