// The endpoints API on both engines: registration refuses URLs the service
// must not call (cloud metadata, private and loopback addresses, non-https
// without the development switch, credentials) with WEBHOOKS_URL_FORBIDDEN
// and the field; event types are checked; only admins get in; the secret is
// sealed at rest; reads, changes and deletes answer 404 for unknown ids.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { problemCode } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startHarness, type Harness } from './harness.ts';

interface Problem {
  code: string;
  errors?: { field: string; in: string; code: string }[];
}

for (const engine of ENGINES) {
  describe(`webhook endpoints on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let harness: Harness;

    before(async () => {
      database = await engine.open();
      harness = await startHarness(database.sql);
    });

    after(async () => {
      await harness.close();
      await database.close();
    });

    const create = (json: unknown, token = harness.admin) =>
      harness.api.call('/api/v1/webhooks/endpoints', { method: 'POST', token, json });

    test('metadata, private and loopback addresses are refused with a stable code', async () => {
      const refused = [
        ['http://169.254.169.254/latest/meta-data', 'forbidden_address'],
        ['http://10.0.0.8/hook', 'forbidden_address'],
        ['https://192.168.1.20/hook', 'forbidden_address'],
        ['https://[::1]/hook', 'forbidden_address'],
        ['https://[::ffff:10.0.0.8]/hook', 'forbidden_address'],
        // Not on the allow-list (only 127.0.0.1 is), and it resolves to loopback.
        ['https://localhost/hook', 'forbidden_address'],
        ['https://user:secret@hooks.example.com/hook', 'credentials_in_url'],
        ['ftp://hooks.example.com/hook', 'scheme_not_allowed'],
        ['not a url', 'invalid_url'],
      ] as const;
      for (const [url, reason] of refused) {
        const res = await create({ url, eventTypes: ['order.paid'] });
        assert.equal(res.status, 422, url);
        const problem = (await res.json()) as Problem;
        assert.equal(problem.code, 'WEBHOOKS_URL_FORBIDDEN', url);
        assert.deepEqual(
          problem.errors?.map((error) => [error.in, error.field, error.code]),
          [['body', 'url', reason]],
          url,
        );
      }
      const stored = await database.sql.db
        .selectFrom('webhook_endpoints')
        .select('url')
        .where('url', 'like', '%hook')
        .execute();
      assert.deepEqual(stored, []);
    });

    test('event types are checked against the public events', async () => {
      for (const eventTypes of [
        [],
        ['order.exploded'],
        ['user.signed_out_everywhere'],
        ['order.paid', 'order.paid'],
      ]) {
        const res = await create({ url: 'http://127.0.0.1:9/hook', eventTypes });
        assert.equal(res.status, 422, JSON.stringify(eventTypes));
        assert.equal(await problemCode(res), 'HTTP_VALIDATION_FAILED');
      }
    });

    test('customers get 403 everywhere under /webhooks', async () => {
      const customer = await harness.customer();
      const calls: [string, string][] = [
        ['POST', '/api/v1/webhooks/endpoints'],
        ['GET', '/api/v1/webhooks/endpoints'],
        ['GET', '/api/v1/webhooks/endpoints/1'],
        ['POST', '/api/v1/webhooks/endpoints/1/rotate-secret'],
        ['DELETE', '/api/v1/webhooks/endpoints/1'],
        ['GET', '/api/v1/webhooks/deliveries'],
        ['POST', '/api/v1/webhooks/deliveries/1/replay'],
      ];
      for (const [method, path] of calls) {
        const res = await harness.api.call(path, {
          method,
          token: customer.token,
          ...(method === 'POST' && path.endsWith('endpoints')
            ? { json: { url: 'http://127.0.0.1:9/x', eventTypes: ['order.paid'] } }
            : {}),
        });
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(await problemCode(res), 'HTTP_FORBIDDEN');
      }
      const anonymous = await harness.api.call('/api/v1/webhooks/endpoints');
      assert.equal(anonymous.status, 401);
    });

    test('create, read, change, delete; the secret is sealed at rest and shown once', async () => {
      const res = await create({
        url: 'http://127.0.0.1:9/crud',
        eventTypes: ['order.paid'],
        description: 'ERP sync',
      });
      assert.equal(res.status, 201, await res.clone().text());
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const created = (await res.json()) as { id: string; secret: string; version: number };
      assert.equal(res.headers.get('location'), `/api/v1/webhooks/endpoints/${created.id}`);
      assert.equal(created.version, 1);

      const row = await database.sql.db
        .selectFrom('webhook_endpoints')
        .select(['secret_sealed', 'created_by'])
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      const secretKey = created.secret.slice('whsec_'.length);
      assert.ok(!row.secret_sealed.includes(secretKey), 'not stored in clear');
      assert.match(row.secret_sealed, /^v1\./);

      const path = `/api/v1/webhooks/endpoints/${created.id}`;
      const changed = await harness.api.call(path, {
        method: 'PATCH',
        token: harness.admin,
        json: { eventTypes: ['order.placed', 'order.shipped'], description: 'ERP' },
      });
      assert.equal(changed.status, 200, await changed.clone().text());
      const body = (await changed.json()) as Record<string, unknown>;
      assert.deepEqual(body.eventTypes, ['order.placed', 'order.shipped']);
      assert.equal(body.description, 'ERP');
      assert.equal(body.url, 'http://127.0.0.1:9/crud');
      assert.equal(body.version, 2);
      assert.equal('secret' in body, false);

      const toPrivate = await harness.api.call(path, {
        method: 'PATCH',
        token: harness.admin,
        json: { url: 'http://10.0.0.8/hook' },
      });
      assert.equal(toPrivate.status, 422);
      assert.equal(await problemCode(toPrivate), 'WEBHOOKS_URL_FORBIDDEN');

      const deleted = await harness.api.call(path, { method: 'DELETE', token: harness.admin });
      assert.equal(deleted.status, 204);
      for (const [method, suffix] of [
        ['GET', ''],
        ['PATCH', ''],
        ['DELETE', ''],
        ['POST', '/rotate-secret'],
      ] as const) {
        const gone = await harness.api.call(`${path}${suffix}`, {
          method,
          token: harness.admin,
          ...(method === 'PATCH' ? { json: { enabled: true } } : {}),
        });
        assert.equal(gone.status, 404, `${method} ${suffix}`);
        assert.equal(await problemCode(gone), 'WEBHOOKS_ENDPOINT_NOT_FOUND');
      }
      const delivery = await harness.api.call('/api/v1/webhooks/deliveries/987654321', {
        token: harness.admin,
      });
      assert.equal(delivery.status, 404);
      assert.equal(await problemCode(delivery), 'WEBHOOKS_DELIVERY_NOT_FOUND');
    });

    test('the delivery list pages with a cursor and checks its filters', async () => {
      const page = await harness.api.call('/api/v1/webhooks/deliveries?limit=1&status=dead', {
        token: harness.admin,
      });
      assert.equal(page.status, 200);
      const body = (await page.json()) as { meta: { limit: number }; links: { self: string } };
      assert.equal(body.meta.limit, 1);
      assert.equal(body.links.self, '/api/v1/webhooks/deliveries?status=dead&limit=1');
      const bad = await harness.api.call('/api/v1/webhooks/deliveries?status=lost', {
        token: harness.admin,
      });
      assert.equal(bad.status, 422);
    });
  });
}
