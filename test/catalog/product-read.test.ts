// Reading one product through the whole stack, on both engines: the wire
// shape, the version ETag and 304, and the errors for missing and bad ids.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';
import { PRODUCT_V1_FIELDS } from '../support/catalog.ts';

for (const engine of ENGINES) {
  describe(`GET /api/v1/products/:id on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    test('returns the product with ids as strings, money in minor units, ISO dates', async () => {
      const res = await fetch(`${service.url}/api/v1/products/1`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(body.id, '1');
      assert.equal(body.sku, 'SKU-000001');
      assert.deepEqual(Object.keys(body).sort(), PRODUCT_V1_FIELDS);
      const price = body.price as { amount: number; currency: string };
      assert.ok(Number.isInteger(price.amount));
      assert.equal(price.currency, 'EUR');
      assert.equal(body.createdAt, '2026-01-01T00:01:00.000Z');
      assert.equal(typeof (body.brand as { id: unknown }).id, 'string');
      // The seeded products have no images yet (product-images.test.ts adds some).
      assert.deepEqual(body.images, []);
      assert.equal(res.headers.get('etag'), '"p1.v1"');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    });

    test('If-None-Match with the current version answers 304', async () => {
      const res = await fetch(`${service.url}/api/v1/products/1`, {
        headers: { 'if-none-match': '"p1.v1"' },
      });
      assert.equal(res.status, 304);
      assert.equal(await res.text(), '');
    });

    test('a missing product is a 404 problem with the catalog code', async () => {
      const res = await fetch(`${service.url}/api/v1/products/999999`);
      assert.equal(res.status, 404);
      const problem = (await res.json()) as { code: string };
      assert.equal(problem.code, 'CATALOG_PRODUCT_NOT_FOUND');
    });

    test('a malformed id is a 422 naming the field, never a database error', async () => {
      for (const id of ['abc', '0', '99999999999999999999', '1.5']) {
        const res = await fetch(`${service.url}/api/v1/products/${id}`);
        assert.equal(res.status, 422, id);
        const problem = (await res.json()) as { errors: { field: string; in: string }[] };
        assert.deepEqual(
          problem.errors.map((e) => `${e.in}.${e.field}`),
          ['params.id'],
        );
      }
    });
  });
}
