// What the webhook suites share: the real service with webhook settings for a
// local receiver (http allowed, 127.0.0.1 exempt from the address check, a
// 100 ms retry schedule: three attempts in all), an admin, customers with
// funded wallets, orders, and endpoint registration.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { eventually } from '../support/eventually.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

export const WEBHOOK_ENV = {
  WEBHOOK_RETRY_SCHEDULE: '100ms,100ms',
  // Every suite's endpoints share one receiver, so one host: its breaker
  // (test/metrics/breakers.test.ts) stays out of the retry tests.
  WEBHOOK_BREAKER_FAILURES: '1000',
  WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  WEBHOOK_ALLOW_HTTP: 'true',
} as const;

export interface DeliveryBody {
  id: string;
  type: string;
  timestamp: string;
  data: { orderId?: string; userId?: string };
}

export interface DeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  attemptLog?: { attempt: number; statusCode: number | null; outcome: string }[];
}

export interface Harness {
  readonly service: StartedService;
  readonly api: ApiClient;
  readonly admin: string;
  customer(): Promise<{ id: string; token: string }>;
  /** Places an order of one unit of a seed product; resolves with its id. */
  placeOrder(buyer: { token: string }): Promise<string>;
  pay(buyer: { id: string; token: string }, orderId: string): Promise<void>;
  register(url: string, eventTypes: string[]): Promise<{ id: string; secret: string }>;
  deliveriesOf(endpointId: string, query?: string): Promise<DeliveryView[]>;
  /** Polls until the endpoint's delivery of `orderId`'s event of `type` matches `done`. */
  waitForDelivery(
    endpointId: string,
    done: (delivery: DeliveryView) => boolean,
  ): Promise<DeliveryView>;
  close(): Promise<void>;
}

export async function startHarness(
  sql: SqlDatabase<Database>,
  env: Readonly<Record<string, string>> = {},
): Promise<Harness> {
  const service = await startService({ sql, env: { ...WEBHOOK_ENV, ...env } });
  const api = apiClient(service.url);
  const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
    .accessToken;
  let nextProduct = 150;

  const deliveriesOf = async (endpointId: string, query = '') => {
    const res = await api.call(
      `/api/v1/webhooks/deliveries?endpointId=${endpointId}&limit=100${query}`,
      { token: admin },
    );
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { data: DeliveryView[] }).data;
  };

  return {
    service,
    api,
    admin,
    async customer() {
      const email = `hooks-${randomUUID().slice(0, 8)}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      return { id, token: (await api.login(email, PASSWORD)).accessToken };
    },
    async placeOrder(buyer) {
      nextProduct += 1;
      const productId = String(nextProduct);
      await sql.db
        .updateTable('products')
        .set({ stock: 10, price_amount: 500 })
        .where('id', '=', productId)
        .execute();
      const res = await api.call('/api/v1/orders', {
        method: 'POST',
        token: buyer.token,
        json: { items: [{ productId, quantity: 1 }] },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    },
    async pay(buyer, orderId) {
      const credit = await api.call(`/api/v1/admin/wallets/${buyer.id}/credits`, {
        method: 'POST',
        token: admin,
        json: { amount: { amount: 10_000, currency: 'EUR' } },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(credit.status, 201, await credit.clone().text());
      const paid = await api.call(`/api/v1/orders/${orderId}/pay`, {
        method: 'POST',
        token: buyer.token,
      });
      assert.equal(paid.status, 200, await paid.clone().text());
    },
    async register(url, eventTypes) {
      const res = await api.call('/api/v1/webhooks/endpoints', {
        method: 'POST',
        token: admin,
        json: { url, eventTypes, description: 'test receiver' },
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: string; secret: string };
    },
    deliveriesOf,
    async waitForDelivery(endpointId, done) {
      let found: DeliveryView | undefined;
      await eventually(
        `a delivery to endpoint ${endpointId} matches`,
        async () => {
          found = (await deliveriesOf(endpointId)).find(done);
          return found !== undefined;
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      return found!;
    },
    close: () => service.close(),
  };
}

/** One delivery with its attempts. */
export async function readDelivery(harness: Harness, id: string): Promise<DeliveryView> {
  const res = await harness.api.call(`/api/v1/webhooks/deliveries/${id}`, {
    token: harness.admin,
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as DeliveryView;
}
