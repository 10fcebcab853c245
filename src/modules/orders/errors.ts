import { defineErrors, errorFactory } from '../../errors/index.ts';

export const ordersErrors = defineErrors({
  ORDERS_NOT_FOUND: { status: 404, title: 'Order not found', level: 'debug' },
  ORDERS_PRODUCT_NOT_FOUND: { status: 422, title: 'Ordered product does not exist', level: 'info' },
  ORDERS_OUT_OF_STOCK: { status: 409, title: 'Not enough stock', level: 'info' },
  ORDERS_INVALID_TRANSITION: {
    status: 409,
    title: 'Order cannot make this transition',
    level: 'info',
  },
  ORDERS_MIXED_CURRENCIES: { status: 422, title: 'Items in different currencies', level: 'info' },
  ORDERS_TOTAL_TOO_LARGE: { status: 422, title: 'Order total too large', level: 'info' },
  // The feature flag checkout.orders is off for the caller (checkout-flag.ts).
  ORDERS_CHECKOUT_PAUSED: { status: 503, title: 'Checkout paused', level: 'info' },
});

export const ordersError = errorFactory(ordersErrors);
