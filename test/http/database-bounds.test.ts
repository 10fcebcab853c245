// Values the database cannot take, through the whole service on both engines:
// every 64-bit id parameter the OpenAPI document lists refuses one past the
// bigint maximum (and takes the maximum itself), ids in bodies too, every
// text that is stored or searched refuses a NUL character — each as a 422
// naming the field, before any query — and a data exception raised by SQL
// itself is 422 SQL_INVALID_VALUE, never a 500.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { BIGINT_MAX } from '../../src/platform/sql/pg-values.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PAST_MAX = '9223372036854775808';
const ID_PATTERN = '^[1-9]\\d{0,18}$';

interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; in: string; code: string }[];
}

interface IdParameter {
  readonly method: string;
  readonly path: string;
  readonly in: 'path' | 'query';
  readonly name: string;
  /** The request body's media type, when the operation takes one. */
  readonly body: string | undefined;
}

/** Every path and query parameter the document declares with the shared id schema. */
function idParameters(doc: { paths: Record<string, Record<string, unknown>> }): IdParameter[] {
  const found: IdParameter[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, value] of Object.entries(item)) {
      const op = value as {
        parameters?: { in: string; name: string; schema?: { pattern?: string } }[];
        requestBody?: { content: Record<string, unknown> };
      };
      for (const parameter of op.parameters ?? []) {
        if (parameter.schema?.pattern !== ID_PATTERN) continue;
        assert.ok(parameter.in === 'path' || parameter.in === 'query');
        found.push({
          method: method.toUpperCase(),
          path,
          in: parameter.in,
          name: parameter.name,
          body: Object.keys(op.requestBody?.content ?? {})[0],
        });
      }
    }
  }
  return found;
}

for (const engine of ENGINES) {
  describe(`values the database cannot take, on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let admin: string;

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        // A route that makes PostgreSQL itself raise a data exception.
        setup: (app) =>
          app.get(
            '/test/out-of-range',
            async () => {
              await sql`select 9223372036854775808::int8`.execute(database.sql.db);
              return {};
            },
            { auth: 'public', hidden: true },
          ),
      });
      api = apiClient(service.url);
      admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    /** The answer as a problem; asserts the status and problem+json. */
    const problemOf = async (res: Response, status: number, what: string): Promise<Problem> => {
      const text = await res.text();
      assert.equal(res.status, status, `${what}: ${text}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
      return JSON.parse(text) as Problem;
    };

    const fieldsOf = (problem: Problem) =>
      (problem.errors ?? []).map((e) => `${e.in}.${e.field}:${e.code}`);

    const callWithId = (parameter: IdParameter, id: string) => {
      const path = parameter.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        name === parameter.name ? id : '1',
      );
      const query = parameter.in === 'query' ? `?${parameter.name}=${id}` : '';
      return api.call(`${path}${query}`, {
        method: parameter.method,
        token: admin,
        ...(parameter.body === undefined
          ? {}
          : { json: {}, headers: { 'content-type': parameter.body } }),
      });
    };

    test('every id parameter refuses one past the bigint maximum and takes the maximum', async () => {
      const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const parameters = idParameters(doc);
      // Users, products (v1, v2), wallets, transfers, orders, webhooks, audit, mail.
      assert.ok(parameters.length >= 29, `${parameters.length} id parameters`);
      for (const parameter of parameters) {
        const what = `${parameter.method} ${parameter.path} ${parameter.in}.${parameter.name}`;
        const where = parameter.in === 'path' ? 'params' : 'query';
        const refused = await problemOf(await callWithId(parameter, PAST_MAX), 422, what);
        assert.equal(refused.code, 'HTTP_VALIDATION_FAILED', what);
        assert.ok(
          fieldsOf(refused).includes(`${where}.${parameter.name}:out_of_range`),
          `${what}: ${JSON.stringify(refused.errors)}`,
        );
        const res = await callWithId(parameter, BIGINT_MAX);
        assert.ok(res.status < 500, `${what} with the maximum: ${res.status}`);
        if (res.status === 422) {
          const problem = (await res.json()) as Problem;
          assert.ok(
            !(problem.errors ?? []).some((e) => e.field === parameter.name && e.in === where),
            `${what}: the maximum is a valid id`,
          );
        } else {
          await res.body?.cancel();
        }
      }
    });

    test('ids in request bodies are bounded the same way', async () => {
      const cases: [string, unknown, string][] = [
        ['/api/v1/orders', { items: [{ productId: PAST_MAX, quantity: 1 }] }, 'items.0.productId'],
        [
          '/api/v1/transfers',
          { toUserId: PAST_MAX, amount: { amount: 1, currency: 'EUR' } },
          'toUserId',
        ],
      ];
      for (const [path, json, field] of cases) {
        const res = await api.call(path, {
          method: 'POST',
          token: admin,
          json,
          headers: { 'idempotency-key': randomUUID() },
        });
        const problem = await problemOf(res, 422, path);
        assert.deepEqual(fieldsOf(problem), [`body.${field}:out_of_range`], path);
      }
    });

    test('text with a NUL character is a 422 naming the field, before anything is stored', async () => {
      const nul = 'x\u0000y';
      const email = `nul-${randomUUID().slice(0, 8)}@example.com`;
      const cases: [string, string, unknown, string[]][] = [
        ['GET', '/api/v1/products?tag=a%00b', undefined, ['query.tag']],
        ['GET', '/api/v2/products?tag=a%00b', undefined, ['query.tag']],
        ['GET', '/api/v1/admin/audit?action=a%00b', undefined, ['query.action']],
        [
          'POST',
          '/api/v1/auth/register',
          { email, password: 'correct horse battery staple', displayName: nul },
          ['body.displayName'],
        ],
        ['PATCH', '/api/v1/me', { displayName: nul }, ['body.displayName']],
        ['POST', '/api/v1/me/api-keys', { name: nul, scopes: ['profile:read'] }, ['body.name']],
        [
          'POST',
          '/api/v1/products',
          {
            sku: 'NUL-1',
            title: nul,
            description: nul,
            brand: 'acme',
            category: 'audio',
            tags: ['ok', nul],
            price: { amount: 1, currency: 'EUR' },
            stock: 1,
          },
          ['body.title', 'body.description', 'body.tags.1'],
        ],
        [
          'POST',
          '/api/v1/webhooks/endpoints',
          { url: `https://hooks.example.com/${nul}`, eventTypes: ['order.paid'], description: nul },
          ['body.url', 'body.description'],
        ],
        ['POST', '/api/v1/admin/mail/suppressions', { email, detail: nul }, ['body.detail']],
      ];
      for (const [method, path, json, fields] of cases) {
        const res = await api.call(path, { method, token: admin, json });
        const problem = await problemOf(res, 422, `${method} ${path}`);
        assert.equal(problem.code, 'HTTP_VALIDATION_FAILED');
        assert.deepEqual(
          fieldsOf(problem),
          fields.map((field) => `${field}:invalid_format`),
          `${method} ${path}`,
        );
      }
      const stored = await database.sql.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .execute();
      assert.deepEqual(stored, [], 'the registration stored nothing');
    });

    test('a product merge patch with a NUL is refused like the full write', async () => {
      const res = await api.call('/api/v1/products/1', {
        method: 'PATCH',
        token: admin,
        json: { title: 'a\u0000b' },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"p1.v1"' },
      });
      const problem = await problemOf(res, 422, 'PATCH');
      assert.deepEqual(fieldsOf(problem), ['body.title:invalid_format']);
    });

    test('a data exception from SQL itself is 422 SQL_INVALID_VALUE, never a 500', async () => {
      const problem = await problemOf(
        await fetch(`${service.url}/test/out-of-range`),
        422,
        'the cast',
      );
      assert.equal(problem.code, 'SQL_INVALID_VALUE');
      assert.ok(!JSON.stringify(problem).includes(PAST_MAX), 'the value is not echoed');
    });
  });
}
