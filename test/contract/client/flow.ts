// A customer's purchase written as an outside client writes it: against
// TypeScript types generated from the service's /openapi.json
// (openapi-typescript) and through openapi-fetch, by path, not by operation
// name. Register → sign in → (the admin creates a product and credits the
// wallet) → place an order with an Idempotency-Key → pay → read it back.
//
// The types come from ./api-types.ts. In the repository that file is a loose
// stand-in so the project type-checks without a running service;
// test/contract/client.test.ts generates the real one from the live document
// next to a copy of this file and type-checks the copy strictly, so a
// document that no longer fits this code fails the test.

import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { paths } from './api-types.ts';

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

export interface Purchase {
  readonly customerId: string;
  readonly productId: string;
  readonly orderId: string;
  /** The order as placed, as paid, and as read back afterwards. */
  readonly placed: { readonly status: string; readonly total: number; readonly currency: string };
  readonly paid: { readonly status: string };
  readonly read: { readonly status: string; readonly total: number; readonly items: number };
  /** The Idempotency-Key's replay: the same order again. */
  readonly replayedOrderId: string;
}

/** Fails with the problem the service sent when a step does not succeed. */
function must<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${step}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

export async function buyOneProduct(
  baseUrl: string,
  admin: Credentials,
  customer: Credentials,
): Promise<Purchase> {
  const client = createClient<paths>({ baseUrl });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  const user = must(
    'register',
    await client.POST('/api/v1/auth/register', {
      body: { email: customer.email, password: customer.password, displayName: 'Client Flow' },
    }),
  );
  const customerToken = must(
    'sign in',
    await client.POST('/api/v1/auth/login', { body: customer }),
  ).accessToken;
  const adminToken = must(
    'admin sign in',
    await client.POST('/api/v1/auth/login', { body: admin }),
  ).accessToken;

  const product = must(
    'create product',
    await client.POST('/api/v1/products', {
      headers: bearer(adminToken),
      body: {
        sku: `CLIENT-${randomUUID().slice(0, 8)}`,
        title: 'Client flow kettle',
        brand: 'acme',
        category: 'audio',
        price: { amount: 2500, currency: 'EUR' },
        stock: 10,
      },
    }),
  );
  must(
    'credit wallet',
    await client.POST('/api/v1/admin/wallets/{userId}/credits', {
      headers: bearer(adminToken),
      params: { path: { userId: user.id }, header: { 'idempotency-key': randomUUID() } },
      body: { amount: { amount: 10_000, currency: 'EUR' } },
    }),
  );

  const key = randomUUID();
  const order = {
    headers: bearer(customerToken),
    params: { header: { 'idempotency-key': key } },
    body: { items: [{ productId: product.id, quantity: 2 }] },
  };
  const placed = must('place order', await client.POST('/api/v1/orders', order));
  const replayed = must('place order again', await client.POST('/api/v1/orders', order));
  const paid = must(
    'pay',
    await client.POST('/api/v1/orders/{id}/pay', {
      headers: bearer(customerToken),
      params: { path: { id: placed.id } },
    }),
  );
  const read = must(
    'read order',
    await client.GET('/api/v1/orders/{id}', {
      headers: bearer(customerToken),
      params: { path: { id: placed.id } },
    }),
  );
  return {
    customerId: user.id,
    productId: product.id,
    orderId: placed.id,
    placed: { status: placed.status, total: placed.total.amount, currency: placed.total.currency },
    paid: { status: paid.status },
    read: { status: read.status, total: read.total.amount, items: read.items.length },
    replayedOrderId: replayed.id,
  };
}
