// Orders over real HTTP on both engines: placing (prices from the catalog,
// stock reserved), idempotency keys (replay, mismatch, concurrent
// duplicates), overselling under 50 concurrent orders, the state machine
// with its effects, and who may see and act on which order.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

interface OrderBody {
  id: string;
  userId: string;
  status: string;
  items: { productId: string; quantity: number; unitPrice: { amount: number } }[];
  total: { amount: number; currency: string };
  actions: string[];
}

for (const engine of ENGINES) {
  describe(`orders on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let admin: string;
    let nextProduct = 100;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
      api = apiClient(service.url);
      admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    /** A new customer with a token. */
    async function customer(name: string): Promise<{ id: string; token: string }> {
      const email = `${name}-${randomUUID().slice(0, 8)}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      return { id, token: (await api.login(email, PASSWORD)).accessToken };
    }

    /** A product of the seed, used by this test only, with a known stock and price. */
    async function product(stock: number, price = 1250): Promise<string> {
      nextProduct += 1;
      const id = String(nextProduct);
      await database.sql.db
        .updateTable('products')
        .set({ stock, price_amount: price })
        .where('id', '=', id)
        .execute();
      return id;
    }

    const stockOf = async (id: string) =>
      (
        await database.sql.db
          .selectFrom('products')
          .select('stock')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).stock;

    /** `key: null` sends no Idempotency-Key. */
    const place = (token: string, items: unknown, key: string | null = randomUUID()) =>
      api.call('/api/v1/orders', {
        method: 'POST',
        token,
        json: { items },
        headers: key === null ? {} : { 'idempotency-key': key },
      });

    const act = (token: string, id: string, action: string) =>
      api.call(`/api/v1/orders/${id}/${action}`, { method: 'POST', token });

    async function credit(userId: string, amount: number): Promise<void> {
      const res = await api.call(`/api/v1/admin/wallets/${userId}/credits`, {
        method: 'POST',
        token: admin,
        json: { amount: { amount, currency: 'EUR' } },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(res.status, 201, await res.clone().text());
    }

    const balanceOf = async (token: string) =>
      (
        (await (await api.call('/api/v1/wallet', { token })).json()) as {
          balance: { amount: number };
        }
      ).balance.amount;

    test('placing an order prices it from the catalog and reserves stock', async () => {
      const buyer = await customer('placer');
      const productId = await product(5, 1999);
      const res = await place(buyer.token, [{ productId, quantity: 2 }]);
      assert.equal(res.status, 201, await res.clone().text());
      const order = (await res.json()) as OrderBody;
      assert.equal(res.headers.get('location'), `/api/v1/orders/${order.id}`);
      assert.equal(order.userId, buyer.id);
      assert.equal(order.status, 'pending');
      assert.deepEqual(order.total, { amount: 3998, currency: 'EUR' });
      assert.deepEqual(order.actions, ['pay', 'cancel']);
      assert.equal(order.items[0]!.unitPrice.amount, 1999);
      assert.equal(await stockOf(productId), 3);

      const read = await api.call(`/api/v1/orders/${order.id}`, { token: buyer.token });
      assert.deepEqual(await read.json(), order);
    });

    test('bad orders: missing key, unknown product, short stock, repeats, extra fields', async () => {
      const buyer = await customer('bad-orders');
      const productId = await product(2);

      const noKey = await place(buyer.token, [{ productId, quantity: 1 }], null);
      assert.equal(noKey.status, 422);
      const problem = (await noKey.json()) as { errors: { field: string; in: string }[] };
      assert.deepEqual(
        problem.errors.map((error) => `${error.in}:${error.field}`),
        ['headers:idempotency-key'],
      );

      const unknown = await place(buyer.token, [{ productId: '999999999', quantity: 1 }]);
      assert.equal(unknown.status, 422);
      assert.equal(await problemCode(unknown), 'ORDERS_PRODUCT_NOT_FOUND');

      const short = await place(buyer.token, [{ productId, quantity: 3 }]);
      assert.equal(short.status, 409);
      const shortProblem = (await short.json()) as {
        code: string;
        available: number;
        detail: string;
      };
      assert.equal(shortProblem.code, 'ORDERS_OUT_OF_STOCK');
      assert.equal(shortProblem.available, 2);
      assert.match(shortProblem.detail, /3 requested, 2 in stock/);
      assert.equal(await stockOf(productId), 2, 'a refused order reserves nothing');

      const repeated = await place(buyer.token, [
        { productId, quantity: 1 },
        { productId, quantity: 1 },
      ]);
      assert.equal(repeated.status, 422);

      const extra = await api.call('/api/v1/orders', {
        method: 'POST',
        token: buyer.token,
        json: { items: [{ productId, quantity: 1, unitPrice: 1 }] },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(extra.status, 422, 'clients never send prices');
    });

    test('the same key replays the first response; a different body with it is a 422', async () => {
      const buyer = await customer('retrier');
      const productId = await product(10);
      const key = randomUUID();
      const first = await place(buyer.token, [{ productId, quantity: 1 }], key);
      assert.equal(first.status, 201);
      assert.equal(first.headers.get('idempotent-replayed'), null);
      const again = await place(buyer.token, [{ productId, quantity: 1 }], key);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.headers.get('location'), first.headers.get('location'));
      assert.deepEqual(await again.json(), await first.json());
      assert.equal(await stockOf(productId), 9, 'stock was taken once');

      const changed = await place(buyer.token, [{ productId, quantity: 2 }], key);
      assert.equal(changed.status, 422);
      assert.equal(await problemCode(changed), 'IDEMPOTENCY_KEY_REUSED');

      // Keys are per user: another customer's identical key is a new order.
      const other = await customer('other-retrier');
      const theirs = await place(other.token, [{ productId, quantity: 1 }], key);
      assert.equal(theirs.status, 201);
      assert.equal(theirs.headers.get('idempotent-replayed'), null);
    });

    test('20 concurrent requests with one key place one order', async () => {
      const buyer = await customer('double-clicker');
      const productId = await product(100);
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => place(buyer.token, [{ productId, quantity: 1 }], key)),
      );
      const bodies = await Promise.all(responses.map((res) => res.json() as Promise<OrderBody>));
      assert.deepEqual(
        responses.map((res) => res.status),
        Array.from({ length: 20 }, () => 201),
      );
      assert.equal(new Set(bodies.map((body) => body.id)).size, 1);
      const orders = await database.sql.db
        .selectFrom('orders')
        .select('id')
        .where('user_id', '=', buyer.id)
        .execute();
      assert.equal(orders.length, 1);
      assert.equal(await stockOf(productId), 99);
    });

    test('50 concurrent orders for 10 in stock: exactly 10 succeed, stock ends at 0', async () => {
      const productId = await product(10);
      const buyers = await Promise.all(
        Array.from({ length: 5 }, (_, index) => customer(`rush-${index}`)),
      );
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          place(buyers[index % buyers.length]!.token, [{ productId, quantity: 1 }]),
        ),
      );
      const statuses = responses.map((res) => res.status);
      assert.equal(statuses.filter((status) => status === 201).length, 10);
      assert.equal(statuses.filter((status) => status === 409).length, 40);
      assert.equal(await stockOf(productId), 0);
      const sold = await database.sql.db
        .selectFrom('order_items')
        .select((eb) => eb.fn.sum<string>('quantity').as('total'))
        .where('product_id', '=', productId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(sold.total), 10);
    });

    test('pay → ship → deliver; illegal steps are 409 with the domain code', async () => {
      const buyer = await customer('lifecycle');
      await credit(buyer.id, 10_000);
      const productId = await product(5, 2500);
      const order = (await (
        await place(buyer.token, [{ productId, quantity: 2 }])
      ).json()) as OrderBody;

      const early = await act(admin, order.id, 'ship');
      assert.equal(early.status, 409);
      assert.equal(await problemCode(early), 'ORDERS_INVALID_TRANSITION');

      const paid = await act(buyer.token, order.id, 'pay');
      assert.equal(paid.status, 200, await paid.clone().text());
      assert.equal(((await paid.json()) as OrderBody).status, 'paid');
      assert.equal(await balanceOf(buyer.token), 5_000);

      const payAgain = await act(buyer.token, order.id, 'pay');
      assert.equal(payAgain.status, 409);
      assert.equal(await balanceOf(buyer.token), 5_000, 'charged once');

      assert.equal((await act(buyer.token, order.id, 'ship')).status, 403, 'customers do not ship');
      assert.equal((await act(admin, order.id, 'ship')).status, 200);
      const cancelShipped = await act(buyer.token, order.id, 'cancel');
      assert.equal(cancelShipped.status, 409);
      const delivered = await act(admin, order.id, 'deliver');
      assert.equal(((await delivered.json()) as OrderBody).status, 'delivered');

      const history = await database.sql.db
        .selectFrom('order_status_history')
        .select(['from_status', 'to_status'])
        .where('order_id', '=', order.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        history.map((row) => `${row.from_status ?? '-'}>${row.to_status}`),
        ['->pending', 'pending>paid', 'paid>shipped', 'shipped>delivered'],
      );
    });

    test('cancelling returns the stock, and refunds a paid order', async () => {
      const buyer = await customer('canceller');
      await credit(buyer.id, 5_000);
      const productId = await product(4, 1000);
      const pending = (await (
        await place(buyer.token, [{ productId, quantity: 1 }])
      ).json()) as OrderBody;
      const paid = (await (
        await place(buyer.token, [{ productId, quantity: 2 }])
      ).json()) as OrderBody;
      assert.equal(await stockOf(productId), 1);
      assert.equal((await act(buyer.token, paid.id, 'pay')).status, 200);
      assert.equal(await balanceOf(buyer.token), 3_000);

      assert.equal((await act(buyer.token, pending.id, 'cancel')).status, 200);
      assert.equal(await stockOf(productId), 2);
      assert.equal((await act(buyer.token, paid.id, 'cancel')).status, 200);
      assert.equal(await stockOf(productId), 4);
      assert.equal(await balanceOf(buyer.token), 5_000, 'refunded');
    });

    test('paying without the funds is a 422 with the amounts; the order stays pending', async () => {
      const buyer = await customer('short-of-money');
      await credit(buyer.id, 500);
      const productId = await product(3, 1200);
      const order = (await (
        await place(buyer.token, [{ productId, quantity: 1 }])
      ).json()) as OrderBody;
      const res = await act(buyer.token, order.id, 'pay');
      assert.equal(res.status, 422);
      const problem = (await res.json()) as { code: string; detail: string };
      assert.equal(problem.code, 'PAYMENTS_INSUFFICIENT_FUNDS');
      assert.match(problem.detail, /5\.00 EUR/);
      assert.match(problem.detail, /12\.00 EUR/);
      const read = await api.call(`/api/v1/orders/${order.id}`, { token: buyer.token });
      assert.equal(((await read.json()) as OrderBody).status, 'pending');
      assert.equal(await balanceOf(buyer.token), 500);
    });

    test('paying many orders at once never overdraws the wallet; the ledger balances', async () => {
      const buyer = await customer('concurrent-payer');
      await credit(buyer.id, 3_000);
      const productId = await product(10, 1000);
      const orders: OrderBody[] = [];
      for (let index = 0; index < 6; index += 1) {
        orders.push(
          (await (await place(buyer.token, [{ productId, quantity: 1 }])).json()) as OrderBody,
        );
      }
      const results = await Promise.all(orders.map((order) => act(buyer.token, order.id, 'pay')));
      const statuses = results.map((res) => res.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 422, 422, 422]);
      assert.equal(await balanceOf(buyer.token), 0);
      const unbalanced = await database.sql.db
        .selectFrom('ledger_entries')
        .select('transfer_id')
        .groupBy('transfer_id')
        .having((eb) => eb.fn.sum('amount'), '!=', 0)
        .execute();
      assert.deepEqual(unbalanced, []);
    });

    test('IDOR: another customer neither sees nor acts on an order; admins see all', async () => {
      const owner = await customer('owner');
      const stranger = await customer('stranger');
      const productId = await product(5);
      const order = (await (
        await place(owner.token, [{ productId, quantity: 1 }])
      ).json()) as OrderBody;

      const peek = await api.call(`/api/v1/orders/${order.id}`, { token: stranger.token });
      assert.equal(peek.status, 404);
      assert.equal(await problemCode(peek), 'ORDERS_NOT_FOUND');
      assert.equal((await act(stranger.token, order.id, 'cancel')).status, 404);

      const list = (await (await api.call('/api/v1/orders', { token: stranger.token })).json()) as {
        data: OrderBody[];
      };
      assert.deepEqual(list.data, []);

      assert.equal((await api.call(`/api/v1/orders/${order.id}`, { token: admin })).status, 200);
      const all = (await (await api.call('/api/v1/orders?limit=100', { token: admin })).json()) as {
        data: OrderBody[];
      };
      assert.ok(all.data.some((row) => row.id === order.id));
      assert.ok(new Set(all.data.map((row) => row.userId)).size > 1);
    });
  });
}
