// Catalog writes through the whole stack, on both engines: who may write,
// creation (201 + Location + ETag, slugs resolved, HTML sanitised, 409 and
// 422 with their own codes), full replacement, JSON Merge Patch semantics and
// its media type, If-Match on every write (428 missing, 412 stale), the
// version-guarded update under concurrent writers, and deletion (204, 409
// while orders refer to the product).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { isAppError } from '../../src/errors/index.ts';
import { createCatalogService } from '../../src/modules/catalog/service.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

interface ProductBody {
  id: string;
  sku: string;
  title: string;
  description: string;
  brand: { id: string; slug: string; name: string };
  category: { id: string; slug: string; name: string };
  tags: string[];
  price: { amount: number; currency: string };
  stock: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface Problem {
  code: string;
  errors?: { field: string; in: string; code: string }[];
}

const MERGE_PATCH = 'application/merge-patch+json';

for (const engine of ENGINES) {
  describe(`catalog writes on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let editor: string;
    let customer: string;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
      api = apiClient(service.url);
      editor = (await api.login(DEMO_ACCOUNTS.editor.email, DEMO_ACCOUNTS.editor.password))
        .accessToken;
      customer = (await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const input = (overrides: Record<string, unknown> = {}) => ({
      sku: `T-${randomUUID().slice(0, 12)}`,
      title: 'Test Headphones',
      description: '<p>Closed-back.</p>',
      brand: 'acme',
      category: 'audio',
      tags: ['new'],
      price: { amount: 12900, currency: 'EUR' },
      stock: 25,
      ...overrides,
    });

    const create = (body: unknown, token = editor) =>
      api.call('/api/v1/products', { method: 'POST', token, json: body });

    /** A fresh product, with its ETag. */
    const created = async (overrides: Record<string, unknown> = {}) => {
      const res = await create(input(overrides));
      assert.equal(res.status, 201, await res.clone().text());
      return { product: (await res.json()) as ProductBody, etag: res.headers.get('etag')! };
    };

    const put = (id: string, body: unknown, headers: Record<string, string> = {}) =>
      api.call(`/api/v1/products/${id}`, { method: 'PUT', token: editor, json: body, headers });

    const patch = (
      id: string,
      body: unknown,
      headers: Record<string, string> = {},
      contentType = MERGE_PATCH,
    ) =>
      fetch(`${service.url}/api/v1/products/${id}`, {
        method: 'PATCH',
        body: JSON.stringify(body),
        headers: { authorization: `Bearer ${editor}`, 'content-type': contentType, ...headers },
      });

    const remove = (id: string, headers: Record<string, string> = {}) =>
      api.call(`/api/v1/products/${id}`, { method: 'DELETE', token: editor, headers });

    const problem = async (res: Response, status: number) => {
      assert.equal(res.status, status, await res.clone().text());
      return (await res.json()) as Problem;
    };

    test('writes need catalog:write: 401 anonymous, 403 for a customer', async () => {
      const anonymous = await api.call('/api/v1/products', { method: 'POST', json: input() });
      assert.equal(anonymous.status, 401);
      assert.equal((await create(input(), customer)).status, 403);
      const { product, etag } = await created();
      const res = await api.call(`/api/v1/products/${product.id}`, {
        method: 'DELETE',
        token: customer,
        headers: { 'if-match': etag },
      });
      assert.equal(res.status, 403);
    });

    test('POST creates: 201, Location, version ETag, slugs resolved, not deprecated', async () => {
      const body = input({ tags: ['New', 'new', 'gift'] });
      const res = await create(body);
      assert.equal(res.status, 201);
      const product = (await res.json()) as ProductBody;
      assert.equal(res.headers.get('location'), `/api/v1/products/${product.id}`);
      assert.equal(res.headers.get('etag'), `"p${product.id}.v1"`);
      assert.equal(res.headers.get('deprecation'), null);
      assert.equal(product.sku, body.sku);
      assert.equal(product.brand.slug, 'acme');
      assert.equal(product.brand.name, 'Acme');
      assert.equal(product.category.slug, 'audio');
      assert.deepEqual(product.tags, ['new', 'gift']);
      assert.deepEqual(product.price, { amount: 12900, currency: 'EUR' });
      assert.equal(product.version, 1);
      const read = await api.call(res.headers.get('location')!);
      assert.deepEqual(await read.json(), product);
      assert.equal(read.headers.get('etag'), res.headers.get('etag'));
    });

    test('the description is sanitised on write', async () => {
      const { product } = await created({
        description:
          '<p onclick="x()">Hi <a href="javascript:alert(1)">a</a> <a href="https://e.example">b</a></p>' +
          '<script>alert(1)</script><img src=x onerror=alert(1)><iframe src="https://e.example"></iframe>',
      });
      assert.equal(
        product.description,
        '<p>Hi <a rel="noopener noreferrer nofollow">a</a> <a href="https://e.example" rel="noopener noreferrer nofollow">b</a></p>',
      );
    });

    test('an unknown brand or category is a 422 naming each field', async () => {
      const body = await problem(
        await create(input({ brand: 'no-such-brand', category: 'no-such-category' })),
        422,
      );
      assert.equal(body.code, 'CATALOG_UNKNOWN_REFERENCE');
      assert.deepEqual(
        body.errors?.map((e) => `${e.in}.${e.field}:${e.code}`),
        ['body.brand:unknown', 'body.category:unknown'],
      );
    });

    test('a duplicate SKU is a 409 with its own code, on create and on replace', async () => {
      const { product } = await created();
      const body = await problem(await create(input({ sku: product.sku })), 409);
      assert.equal(body.code, 'CATALOG_SKU_TAKEN');
      assert.deepEqual(
        body.errors?.map((e) => e.field),
        ['sku'],
      );
      const other = await created();
      const replaced = await put(other.product.id, input({ sku: product.sku }), {
        'if-match': other.etag,
      });
      assert.equal((await problem(replaced, 409)).code, 'CATALOG_SKU_TAKEN');
    });

    test('unknown fields and invalid values are 422 field errors', async () => {
      const body = await problem(
        await create({ ...input(), colour: 'red', price: { amount: 1.5, currency: 'eur' } }),
        422,
      );
      assert.equal(body.code, 'HTTP_VALIDATION_FAILED');
      assert.deepEqual(body.errors?.map((e) => `${e.field}:${e.code}`).sort(), [
        'colour:unknown_field',
        'price.amount:invalid_type',
        'price.currency:invalid_format',
      ]);
      const patched = await created();
      const res = await patch(patched.product.id, { colour: 'red' }, { 'if-match': patched.etag });
      assert.deepEqual(
        (await problem(res, 422)).errors?.map((e) => `${e.field}:${e.code}`),
        ['colour:unknown_field'],
      );
    });

    test('PUT replaces the whole product, bumps the version and answers the new ETag', async () => {
      const { product, etag } = await created({ tags: ['a', 'b'] });
      const replacement = input({
        title: 'Renamed',
        brand: 'zephyr',
        category: 'tools',
        price: { amount: 500, currency: 'USD' },
        stock: 0,
      });
      delete (replacement as Record<string, unknown>).description;
      delete (replacement as Record<string, unknown>).tags;
      const res = await put(product.id, replacement, { 'if-match': etag });
      assert.equal(res.status, 200, await res.clone().text());
      const updated = (await res.json()) as ProductBody;
      assert.equal(res.headers.get('etag'), `"p${product.id}.v2"`);
      assert.equal(updated.version, 2);
      assert.equal(updated.title, 'Renamed');
      assert.equal(updated.brand.slug, 'zephyr');
      assert.equal(updated.category.slug, 'tools');
      assert.equal(updated.description, '', 'left out of a replacement: empty');
      assert.deepEqual(updated.tags, []);
      assert.equal(updated.createdAt, product.createdAt);
      assert.ok(updated.updatedAt >= product.updatedAt);
      assert.deepEqual(await (await api.call(`/api/v1/products/${product.id}`)).json(), updated);
    });

    test('every write needs If-Match: 428 without it, 412 when stale', async () => {
      const { product, etag } = await created();
      const writes = [
        () => put(product.id, input()),
        () => patch(product.id, { stock: 1 }),
        () => remove(product.id),
      ];
      for (const write of writes) {
        assert.equal((await problem(await write(), 428)).code, 'HTTP_PRECONDITION_REQUIRED');
      }
      const fresh = await put(product.id, input({ sku: product.sku }), { 'if-match': etag });
      assert.equal(fresh.status, 200);
      const stale = [
        () => put(product.id, input({ sku: product.sku }), { 'if-match': etag }),
        () => patch(product.id, { stock: 1 }, { 'if-match': etag }),
        () => remove(product.id, { 'if-match': etag }),
        () => put(product.id, input({ sku: product.sku }), { 'if-match': '"something-else"' }),
      ];
      for (const write of stale) {
        assert.equal((await problem(await write(), 412)).code, 'HTTP_PRECONDITION_FAILED');
      }
      const current = fresh.headers.get('etag')!;
      assert.equal((await patch(product.id, { stock: 1 }, { 'if-match': current })).status, 200);
    });

    test('PATCH is JSON Merge Patch: absent stays, objects merge, null clears', async () => {
      const { product, etag } = await created({
        description: '<p>Long text</p>',
        tags: ['a', 'b'],
      });
      const res = await patch(
        product.id,
        { price: { amount: 9900 }, description: null, tags: null, title: 'Patched' },
        { 'if-match': etag },
      );
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('etag'), `"p${product.id}.v2"`);
      const patched = (await res.json()) as ProductBody;
      assert.deepEqual(patched, {
        ...product,
        title: 'Patched',
        description: '',
        tags: [],
        price: { amount: 9900, currency: 'EUR' },
        version: 2,
        updatedAt: patched.updatedAt,
      });

      const again = await patch(
        product.id,
        { tags: ['x'], brand: 'zephyr' },
        {
          'if-match': res.headers.get('etag')!,
        },
      );
      const second = (await again.json()) as ProductBody;
      assert.deepEqual(second.tags, ['x']);
      assert.equal(second.brand.slug, 'zephyr');
      assert.equal(second.title, 'Patched');
      assert.equal(second.version, 3);
    });

    test('PATCH with null on a required member is a 422 and changes nothing', async () => {
      const { product, etag } = await created();
      for (const body of [
        { title: null },
        { price: null },
        { price: { currency: null } },
        { sku: null, stock: null },
      ]) {
        const res = await patch(product.id, body, { 'if-match': etag });
        const problemBody = await problem(res, 422);
        assert.equal(problemBody.code, 'HTTP_VALIDATION_FAILED');
        for (const error of problemBody.errors ?? []) assert.equal(error.code, 'not_clearable');
        assert.ok((problemBody.errors ?? []).length >= 1);
      }
      const read = (await (await api.call(`/api/v1/products/${product.id}`)).json()) as ProductBody;
      assert.equal(read.version, 1);
    });

    test('PATCH takes application/merge-patch+json only: 415 with Accept-Patch otherwise', async () => {
      const { product, etag } = await created();
      const res = await patch(product.id, { stock: 3 }, { 'if-match': etag }, 'application/json');
      assert.equal((await problem(res, 415)).code, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
      assert.equal(res.headers.get('accept-patch'), MERGE_PATCH);
      const ok = await patch(
        product.id,
        { stock: 3 },
        { 'if-match': etag },
        `${MERGE_PATCH}; charset=utf-8`,
      );
      assert.equal(ok.status, 200);
    });

    test('concurrent writers with the same If-Match: exactly one wins, the rest get 412', async () => {
      const { product, etag } = await created();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          patch(product.id, { stock: 100 + i }, { 'if-match': etag }),
        ),
      );
      const statuses = results.map((res) => res.status).sort();
      assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412]);
      for (const res of results.filter((r) => r.status === 412)) {
        const { code } = (await res.json()) as Problem;
        assert.ok(['HTTP_PRECONDITION_FAILED', 'CATALOG_VERSION_CONFLICT'].includes(code), code);
      }
      const read = (await (await api.call(`/api/v1/products/${product.id}`)).json()) as ProductBody;
      assert.equal(read.version, 2, 'one update, one version bump');
    });

    test('the update is guarded by version: a write that lost the race is a 412, not an overwrite', async () => {
      const catalog = createCatalogService({ sql: database.sql });
      const { product } = await created();
      const body = {
        ...input({ sku: product.sku }),
        description: '',
        tags: [],
        price: { amount: 1, currency: 'EUR' },
      };
      const first = await catalog.replaceProduct(product.id, 1, { ...body, title: 'First' });
      assert.equal(first.version, 2);
      await assert.rejects(
        catalog.replaceProduct(product.id, 1, { ...body, title: 'Second' }),
        (error: unknown) =>
          isAppError(error) && error.code === 'CATALOG_VERSION_CONFLICT' && error.status === 412,
      );
      await assert.rejects(catalog.deleteProduct(product.id, 1), {
        code: 'CATALOG_VERSION_CONFLICT',
      });
      assert.equal((await catalog.getProductForWrite(product.id)).title, 'First');
      await assert.rejects(catalog.replaceProduct('999999999', 1, body), {
        code: 'CATALOG_PRODUCT_NOT_FOUND',
      });
    });

    test('DELETE answers 204, then the product is gone', async () => {
      const { product, etag } = await created();
      const res = await remove(product.id, { 'if-match': etag });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('etag'), null);
      assert.equal((await api.call(`/api/v1/products/${product.id}`)).status, 404);
      assert.equal(
        (await problem(await remove(product.id, { 'if-match': etag }), 404)).code,
        'CATALOG_PRODUCT_NOT_FOUND',
      );
    });

    test('a product that orders refer to cannot be deleted: 409', async () => {
      const row = await database.sql.db
        .selectFrom('order_items')
        .select('product_id')
        .orderBy('product_id')
        .limit(1)
        .executeTakeFirstOrThrow();
      const read = await api.call(`/api/v1/products/${row.product_id}`);
      const etag = read.headers.get('etag')!;
      const body = await problem(await remove(row.product_id, { 'if-match': etag }), 409);
      assert.equal(body.code, 'CATALOG_PRODUCT_IN_USE');
      assert.equal((await api.call(`/api/v1/products/${row.product_id}`)).status, 200);
    });

    test('writes are documented with their media types and If-Match', async () => {
      const document = (await (await api.call('/openapi.json')).json()) as {
        paths: Record<
          string,
          Record<
            string,
            {
              requestBody?: { content: object };
              deprecated?: boolean;
              parameters?: { name: string; in: string }[];
            }
          >
        >;
      };
      const item = document.paths['/api/v1/products/{id}']!;
      assert.deepEqual(Object.keys(item.patch!.requestBody!.content), [MERGE_PATCH]);
      // A JSON body may come as MessagePack too.
      assert.deepEqual(Object.keys(item.put!.requestBody!.content), [
        'application/json',
        'application/msgpack',
      ]);
      assert.ok(item.put!.parameters?.some((p) => p.in === 'header' && p.name === 'if-match'));
      assert.equal(item.get!.deprecated, true);
      assert.equal(item.put!.deprecated, undefined);
      assert.equal(document.paths['/api/v1/products']!.get!.deprecated, true);
      assert.equal(document.paths['/api/v2/products']!.get!.deprecated, undefined);
    });
  });
}
