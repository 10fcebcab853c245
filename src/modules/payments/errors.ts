import { defineErrors, errorFactory } from '../../errors/index.ts';

export const paymentsErrors = defineErrors({
  // Checked before anything is written; the wallet's CHECK (balance >= 0) is
  // only the backstop. The detail states the balance and the amount.
  PAYMENTS_INSUFFICIENT_FUNDS: { status: 422, title: 'Insufficient funds', level: 'info' },
  PAYMENTS_SELF_TRANSFER: { status: 422, title: 'Cannot transfer to yourself', level: 'info' },
  PAYMENTS_RECIPIENT_NOT_FOUND: { status: 404, title: 'Recipient not found', level: 'debug' },
  PAYMENTS_CURRENCY_UNSUPPORTED: {
    status: 422,
    title: 'Currency not supported',
    level: 'info',
  },
  PAYMENTS_TRANSFER_NOT_FOUND: { status: 404, title: 'Transfer not found', level: 'debug' },
  // Charging an order twice is a bug in the caller, never a second payment.
  PAYMENTS_ORDER_ALREADY_PAID: { status: 409, title: 'Order already paid', level: 'warn' },
});

export const paymentsError = errorFactory(paymentsErrors);
