// The gRPC listener against the real service (createService on PGlite, and
// on PostgreSQL when DATABASE_URL is set), called by a real grpc-js client:
// catalog reads with cursors, order placement with one idempotency key
// placing one order, the credentials of HTTP (access tokens and API keys),
// every failure's status code with its application code in the trailers,
// and the calls in the service's metrics.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { RunningGrpcServer } from '../../src/grpc/server.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { startGrpc } from '../../src/wiring/grpc.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { grpcClients, type GrpcClients, type GrpcResult } from '../support/grpc-client.ts';
import { checkScrape, findPromtool } from '../support/prometheus.ts';
import { silentLogger, startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

interface ProductMessage {
  id: string;
  title: string;
  price: { amount: number; currency: string };
}
interface OrderMessage {
  id: string;
  userId: string;
  status: string;
  total: { amount: number; currency: string };
  items: { productId: string; quantity: number }[];
}

function failed<T>(result: GrpcResult<T>) {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result;
}
function succeeded<T>(result: GrpcResult<T>): T {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.value;
}

for (const engine of ENGINES) {
  describe(`gRPC on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let lifecycle: Lifecycle;
    let server: RunningGrpcServer;
    let grpc: GrpcClients;
    let api: ApiClient;
    let nextProduct = 150;

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: { GRPC_PORT: '0', GRPC_HOST: '127.0.0.1' },
      });
      lifecycle = new Lifecycle(silentLogger());
      server = (await startGrpc(service.context.config, service.context, {
        logger: silentLogger(),
        lifecycle,
      }))!;
      grpc = grpcClients(server.port);
      api = apiClient(service.url);
    });

    after(async () => {
      grpc.close();
      await lifecycle.stop('test over');
      await service.close();
      await database.close();
    });

    async function customer(): Promise<{ id: string; bearer: string }> {
      const email = `grpc-${randomUUID().slice(0, 8)}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      return { id, bearer: `Bearer ${(await api.login(email, PASSWORD)).accessToken}` };
    }

    async function product(stock: number): Promise<string> {
      nextProduct += 1;
      const id = String(nextProduct);
      await database.sql.db.updateTable('products').set({ stock }).where('id', '=', id).execute();
      return id;
    }

    /** OrdersService.PlaceOrder with `request`, as the caller `metadata` names. */
    const placeOrder = <T = Record<string, unknown>>(
      request: object,
      metadata?: Readonly<Record<string, string>>,
    ) => grpc.call<T>('OrdersService', 'PlaceOrder', request, metadata);

    const stockOf = async (id: string) =>
      (
        await database.sql.db
          .selectFrom('products')
          .select('stock')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).stock;

    test('GetProduct answers the product, without credentials', async () => {
      const found = succeeded(
        await grpc.call<ProductMessage>('CatalogService', 'GetProduct', { id: '1' }),
      );
      assert.equal(found.id, '1');
      assert.equal(typeof found.price.amount, 'number');
      const http = (await (await api.call('/api/v1/products/1')).json()) as ProductMessage;
      assert.equal(found.title, http.title);
      assert.deepEqual(found.price, http.price);
    });

    test('a missing product is NOT_FOUND with its code in the trailers', async () => {
      const result = failed(await grpc.call('CatalogService', 'GetProduct', { id: '999999999' }));
      assert.equal(result.code, status.NOT_FOUND);
      assert.equal(result.trailers['throughline-error-code'], 'CATALOG_PRODUCT_NOT_FOUND');
      assert.ok(result.trailers['throughline-request-id']);
    });

    test('a malformed id is INVALID_ARGUMENT naming the field', async () => {
      const result = failed(await grpc.call('CatalogService', 'GetProduct', { id: 'abc' }));
      assert.equal(result.code, status.INVALID_ARGUMENT);
      assert.equal(result.trailers['throughline-error-code'], 'GRPC_INVALID_ARGUMENT');
      const fields = JSON.parse(result.trailers['throughline-field-errors']!) as {
        field: string;
      }[];
      assert.deepEqual(
        fields.map((f) => f.field),
        ['id'],
      );
    });

    test('ListProducts pages with cursors bound to their sort', async () => {
      type Page = { products: ProductMessage[]; nextCursor: string; total: number };
      const first = succeeded(
        await grpc.call<Page>('CatalogService', 'ListProducts', { limit: 5, sort: 'id' }),
      );
      assert.equal(first.products.length, 5);
      assert.ok(first.total > 5);
      assert.notEqual(first.nextCursor, '');
      const second = succeeded(
        await grpc.call<Page>('CatalogService', 'ListProducts', {
          limit: 5,
          sort: 'id',
          after: first.nextCursor,
        }),
      );
      const ids = [...first.products, ...second.products].map((p) => BigInt(p.id));
      assert.equal(new Set(ids).size, 10);
      assert.ok(
        ids.every((id, i) => i === 0 || id > ids[i - 1]!),
        'ascending across pages',
      );

      const foreign = failed(
        await grpc.call('CatalogService', 'ListProducts', {
          limit: 5,
          sort: '-price',
          after: first.nextCursor,
        }),
      );
      assert.equal(foreign.code, status.INVALID_ARGUMENT);
      assert.equal(foreign.trailers['throughline-error-code'], 'CATALOG_INVALID_CURSOR');

      const tooMany = failed(await grpc.call('CatalogService', 'ListProducts', { limit: 500 }));
      assert.equal(tooMany.code, status.INVALID_ARGUMENT);
      assert.match(tooMany.trailers['throughline-field-errors']!, /"field":"limit"/);
    });

    test('PlaceOrder without credentials, or with a bad one, is UNAUTHENTICATED', async () => {
      const productId = await product(5);
      const request = { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() };
      const anonymous = failed(await placeOrder(request));
      assert.equal(anonymous.code, status.UNAUTHENTICATED);
      assert.equal(anonymous.trailers['throughline-error-code'], 'GRPC_UNAUTHENTICATED');
      const forged = failed(
        await placeOrder(request, {
          authorization: 'Bearer not.a.token',
        }),
      );
      assert.equal(forged.code, status.UNAUTHENTICATED);
      const badKey = failed(
        await placeOrder(request, {
          authorization: 'Bearer tl_nope_nope',
        }),
      );
      assert.equal(badKey.code, status.UNAUTHENTICATED);
      assert.equal(badKey.trailers['throughline-error-code'], 'API_KEYS_INVALID');
      assert.equal(await stockOf(productId), 5, 'nothing was reserved');
    });

    test('one idempotency key places one order, however often it is sent', async () => {
      const buyer = await customer();
      const productId = await product(10);
      const request = { items: [{ productId, quantity: 3 }], idempotencyKey: randomUUID() };
      const auth = { authorization: buyer.bearer };
      type Placed = { order: OrderMessage; replayed: boolean };
      const first = succeeded(await placeOrder<Placed>(request, auth));
      const again = succeeded(await placeOrder<Placed>(request, auth));
      assert.equal(first.replayed, false);
      assert.equal(again.replayed, true);
      assert.equal(again.order.id, first.order.id);
      assert.equal(first.order.userId, buyer.id);
      assert.equal(first.order.status, 'pending');
      const orders = await database.sql.db
        .selectFrom('orders')
        .select('id')
        .where('user_id', '=', buyer.id)
        .execute();
      assert.equal(orders.length, 1);
      assert.equal(await stockOf(productId), 7);

      // The key in the metadata instead of the field: the same rules.
      const key = randomUUID();
      const viaMetadata = { items: [{ productId, quantity: 1 }] };
      const m1 = succeeded(
        await placeOrder<Placed>(viaMetadata, {
          ...auth,
          'idempotency-key': key,
        }),
      );
      const m2 = succeeded(
        await placeOrder<Placed>(viaMetadata, {
          ...auth,
          'idempotency-key': key,
        }),
      );
      assert.equal(m2.order.id, m1.order.id);
      assert.equal(await stockOf(productId), 6);

      // The same key with other items: refused, nothing placed.
      const reused = failed(
        await placeOrder({ ...request, items: [{ productId, quantity: 1 }] }, auth),
      );
      assert.equal(reused.code, status.INVALID_ARGUMENT);
      assert.equal(reused.trailers['throughline-error-code'], 'IDEMPOTENCY_KEY_REUSED');

      // The key is the user's, whichever transport it came in on: a placement
      // begun over HTTP and retried over gRPC is still one order.
      const httpKey = randomUUID();
      const overHttp = await api.call('/api/v1/orders', {
        method: 'POST',
        token: buyer.bearer.slice('Bearer '.length),
        json: { items: [{ productId, quantity: 1 }] },
        headers: { 'idempotency-key': httpKey },
      });
      assert.equal(overHttp.status, 201, await overHttp.clone().text());
      const retried = succeeded(
        await placeOrder<Placed>(
          { items: [{ productId, quantity: 1 }], idempotencyKey: httpKey },
          auth,
        ),
      );
      assert.equal(retried.replayed, true);
      assert.equal(retried.order.id, ((await overHttp.json()) as OrderMessage).id);
      assert.equal(await stockOf(productId), 5);

      // GetOrder reads it back through the same service.
      const read = succeeded(
        await grpc.call<OrderMessage>('OrdersService', 'GetOrder', { id: first.order.id }, auth),
      );
      assert.deepEqual(read, first.order);
    });

    test('the service’s errors map to their documented statuses', async () => {
      const buyer = await customer();
      const auth = { authorization: buyer.bearer };
      const productId = await product(1);

      const noKey = failed(await placeOrder({ items: [{ productId, quantity: 1 }] }, auth));
      assert.equal(noKey.code, status.INVALID_ARGUMENT);
      assert.match(noKey.trailers['throughline-field-errors']!, /"field":"idempotency-key"/);

      const badItems = failed(
        await placeOrder(
          { items: [{ productId, quantity: 0 }], idempotencyKey: randomUUID() },
          auth,
        ),
      );
      assert.equal(badItems.code, status.INVALID_ARGUMENT);
      assert.match(badItems.trailers['throughline-field-errors']!, /"field":"items\.0\.quantity"/);

      const outOfStock = failed(
        await placeOrder(
          { items: [{ productId, quantity: 2 }], idempotencyKey: randomUUID() },
          auth,
        ),
      );
      assert.equal(outOfStock.code, status.FAILED_PRECONDITION);
      assert.equal(outOfStock.trailers['throughline-error-code'], 'ORDERS_OUT_OF_STOCK');

      const someoneElses = await customer();
      const placed = succeeded(
        await placeOrder<{ order: OrderMessage }>(
          { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() },
          { authorization: someoneElses.bearer },
        ),
      );
      const hidden = failed(
        await grpc.call('OrdersService', 'GetOrder', { id: placed.order.id }, auth),
      );
      assert.equal(hidden.code, status.NOT_FOUND);
      assert.equal(hidden.trailers['throughline-error-code'], 'ORDERS_NOT_FOUND');
    });

    test('an API key acts with its scopes: reads allowed, placing PERMISSION_DENIED', async () => {
      const buyer = await customer();
      const created = await api.call('/api/v1/me/api-keys', {
        method: 'POST',
        token: buyer.bearer.slice('Bearer '.length),
        json: { name: 'grpc reader', scopes: ['orders:read:own'] },
      });
      assert.equal(created.status, 201, await created.clone().text());
      const { key } = (await created.json()) as { key: string };
      const auth = { authorization: `Bearer ${key}` };
      const productId = await product(3);
      const denied = failed(
        await placeOrder(
          { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() },
          auth,
        ),
      );
      assert.equal(denied.code, status.PERMISSION_DENIED);
      assert.equal(denied.trailers['throughline-error-code'], 'GRPC_PERMISSION_DENIED');

      const placed = succeeded(
        await placeOrder<{ order: OrderMessage }>(
          { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() },
          { authorization: buyer.bearer },
        ),
      );
      const read = succeeded(
        await grpc.call<OrderMessage>('OrdersService', 'GetOrder', { id: placed.order.id }, auth),
      );
      assert.equal(read.id, placed.order.id);
    });

    test('the admin sees any order (orders:read:any), as over HTTP', async () => {
      const buyer = await customer();
      const productId = await product(2);
      const placed = succeeded(
        await placeOrder<{ order: OrderMessage }>(
          { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() },
          { authorization: buyer.bearer },
        ),
      );
      const admin = await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
      const read = succeeded(
        await grpc.call<OrderMessage>(
          'OrdersService',
          'GetOrder',
          { id: placed.order.id },
          { authorization: `Bearer ${admin.accessToken}` },
        ),
      );
      assert.equal(read.userId, buyer.id);
    });

    test('a paused checkout (the checkout.orders kill switch) is UNAVAILABLE here too', async () => {
      const admin = await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
      const flags = '/api/v1/admin/flags';
      const created = await api.call(flags, {
        method: 'POST',
        token: admin.accessToken,
        json: {
          key: 'checkout.orders',
          kind: 'boolean',
          variants: { open: true, paused: false },
          defaultVariant: 'open',
          offVariant: 'paused',
          killed: true,
        },
      });
      assert.equal(created.status, 201, await created.clone().text());
      try {
        const buyer = await customer();
        const productId = await product(4);
        const result = failed(
          await placeOrder(
            { items: [{ productId, quantity: 1 }], idempotencyKey: randomUUID() },
            { authorization: buyer.bearer },
          ),
        );
        assert.equal(result.code, status.UNAVAILABLE);
        assert.equal(result.trailers['throughline-error-code'], 'ORDERS_CHECKOUT_PAUSED');
        assert.equal(await stockOf(productId), 4, 'nothing was reserved');
      } finally {
        const removed = await api.call(`${flags}/checkout.orders`, {
          method: 'DELETE',
          token: admin.accessToken,
        });
        assert.equal(removed.status, 204);
      }
    });

    test('calls are counted and timed by service, method and status in the service’s metrics', async () => {
      const metrics = service.context.metrics;
      assert.ok(metrics, 'metrics are on by default');
      const series = (text: string, code: string) => {
        const line = text
          .split('\n')
          .find((l) =>
            l.startsWith(
              `grpc_server_handled_total{grpc_service="throughline.v1.CatalogService",grpc_method="GetProduct",grpc_code="${code}"}`,
            ),
          );
        return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
      };
      const before = (await metrics.render(false)).body;
      succeeded(await grpc.call('CatalogService', 'GetProduct', { id: '1' }));
      failed(await grpc.call('CatalogService', 'GetProduct', { id: '999999999' }));
      const after = (await metrics.render(false)).body;
      assert.equal(series(after, 'OK') - series(before, 'OK'), 1);
      assert.equal(series(after, 'NOT_FOUND') - series(before, 'NOT_FOUND'), 1);
      assert.match(
        after,
        /^grpc_server_handling_seconds_count\{grpc_service="throughline\.v1\.CatalogService",grpc_method="GetProduct"\} \d+$/m,
      );
      assert.match(after, /^grpc_server_in_flight 0$/m);
      if ((await findPromtool()) !== undefined) await checkScrape(after);
    });
  });
}
