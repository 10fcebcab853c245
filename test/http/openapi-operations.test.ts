// The service's OpenAPI document as a client developer relies on it: every
// operation has a hand-chosen name, a description and a declared tag, and
// every error code it documents sits under the status the code's registry
// gives it — so a generated client's error handling matches what the server
// sends.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errorCatalog } from '../../src/wiring/error-catalog.ts';
import { toOpenApiPath } from '../../src/http/openapi/openapi.ts';
import { startService, type StartedService } from '../support/start.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
type Json = Record<string, any>;

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

/** The name a generator would make up from method and path: what hand-chosen ids must not be. */
function mechanicalId(method: string, path: string): string {
  const words = path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return method + words.join('');
}

describe('the operations of the service’s OpenAPI document', () => {
  let service: StartedService;
  let document: Json;
  let operations: { method: string; path: string; operation: Json }[];
  const registered = new Map<string, number>();
  for (const { registry } of errorCatalog) {
    for (const [code, spec] of Object.entries(registry)) registered.set(code, spec.status);
  }

  before(async () => {
    service = await startService();
    document = (await (await fetch(`${service.url}/openapi.json`)).json()) as Json;
    operations = Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, operation]) => ({ method, path, operation: operation as Json })),
    );
  });
  after(() => service.close());

  /** `{ status: codes }` of one operation's problem responses. */
  const codesOf = (operation: Json): Map<number, string[]> =>
    new Map(
      Object.entries(operation.responses as Json)
        .filter(([status]) => /^[45]\d\d$/.test(status))
        .map(([status, response]) => [
          Number(status),
          Object.keys((response as Json).content?.['application/problem+json']?.examples ?? {}),
        ]),
    );

  const find = (method: string, path: string): Json => {
    const operation = document.paths[path]?.[method];
    assert.ok(operation, `${method} ${path} is documented`);
    return operation as Json;
  };

  test('every operation has a unique, hand-chosen camelCase operationId', () => {
    assert.ok(operations.length >= 70, `${operations.length} operations`);
    const seen = new Set<string>();
    for (const { method, path, operation } of operations) {
      const id = operation.operationId as unknown;
      assert.equal(typeof id, 'string', `${method} ${path}`);
      assert.match(id as string, /^[a-z][a-z0-9]*(?:[A-Z0-9][a-z0-9]*)*$/, `${method} ${path}`);
      assert.notEqual(id, mechanicalId(method, path), `${method} ${path}: ${String(id)}`);
      assert.ok(!seen.has(id as string), `${String(id)} is used twice`);
      seen.add(id as string);
    }
    // Names client code calls, spot-checked; v2 operations are told apart.
    assert.equal(find('post', '/api/v1/auth/register').operationId, 'registerAccount');
    assert.equal(find('post', '/api/v1/auth/login').operationId, 'signIn');
    assert.equal(find('get', '/api/v1/products/{id}').operationId, 'getProduct');
    assert.equal(find('get', '/api/v2/products/{id}').operationId, 'getProductV2');
    assert.equal(find('post', '/api/v1/orders/{id}/pay').operationId, 'payOrder');
  });

  test('every operation has a summary, a description and only declared tags', () => {
    const declared = new Map(
      (document.tags as { name: string; description: string }[]).map((tag) => [tag.name, tag]),
    );
    for (const tag of declared.values()) assert.ok(tag.description.length > 10, tag.name);
    const used = new Set<string>();
    for (const { method, path, operation } of operations) {
      const where = `${method} ${path}`;
      assert.ok((operation.summary as string | undefined)?.trim(), `${where}: summary`);
      assert.ok((operation.description as string | undefined)?.trim(), `${where}: description`);
      assert.ok((operation.tags as string[] | undefined)?.length, `${where}: tags`);
      for (const tag of operation.tags as string[]) {
        assert.ok(declared.has(tag), `${where}: tag ${tag} is not declared`);
        used.add(tag);
      }
    }
    assert.deepEqual(
      [...declared.keys()].filter((tag) => !used.has(tag)),
      [],
      'unused tags',
    );
  });

  test('every documented code sits under its registered status, with a matching example', () => {
    let codes = 0;
    for (const { method, path, operation } of operations) {
      for (const [status, list] of codesOf(operation)) {
        const where = `${method} ${path} ${status}`;
        assert.ok(list.length > 0, `${where}: a problem response names its codes`);
        const description = operation.responses[String(status)].description as string;
        for (const code of list) {
          codes += 1;
          assert.equal(registered.get(code), status, `${where}: ${code}`);
          assert.ok(description.includes(`\`${code}\``), `${where}: the description names ${code}`);
          const example = document.components.examples[code] as Json;
          assert.deepEqual([example.value.code, example.value.status], [code, status], code);
        }
      }
      assert.equal(operation.responses.default.$ref, '#/components/responses/Problem');
    }
    assert.ok(codes > 500, `${codes} documented codes`);
  });

  test('the codes each route declares are all in its operation', () => {
    let routes = 0;
    for (const record of service.app.routes()) {
      if (record.options.hidden === true || record.method === 'HEAD') continue;
      routes += 1;
      const operation = find(record.method.toLowerCase(), toOpenApiPath(record.pattern));
      const documented = new Set([...codesOf(operation).values()].flat());
      for (const code of record.errors) {
        assert.ok(documented.has(code), `${record.method} ${record.pattern}: ${code}`);
      }
    }
    assert.equal(routes, operations.length);
  });

  test('domain errors are documented where clients meet them', () => {
    const expect = (method: string, path: string, status: number, code: string) => {
      assert.ok(
        codesOf(find(method, path)).get(status)?.includes(code),
        `${method} ${path} documents ${status} ${code}`,
      );
    };
    expect('post', '/api/v1/orders', 409, 'ORDERS_OUT_OF_STOCK');
    expect('post', '/api/v1/orders', 422, 'IDEMPOTENCY_KEY_REUSED');
    for (const action of ['pay', 'cancel', 'ship', 'deliver']) {
      expect('post', `/api/v1/orders/{id}/${action}`, 409, 'ORDERS_INVALID_TRANSITION');
      expect('post', `/api/v1/orders/{id}/${action}`, 404, 'ORDERS_NOT_FOUND');
    }
    expect('post', '/api/v1/orders/{id}/pay', 422, 'PAYMENTS_INSUFFICIENT_FUNDS');
    for (const method of ['put', 'patch', 'delete']) {
      expect(method, '/api/v1/products/{id}', 428, 'HTTP_PRECONDITION_REQUIRED');
      expect(method, '/api/v1/products/{id}', 412, 'HTTP_PRECONDITION_FAILED');
      expect(method, '/api/v1/products/{id}', 412, 'CATALOG_VERSION_CONFLICT');
      expect(method, '/api/v1/products/{id}', 404, 'CATALOG_PRODUCT_NOT_FOUND');
      expect(method, '/api/v1/products/{id}', 403, 'HTTP_FORBIDDEN');
    }
    expect('get', '/api/v2/products', 400, 'CATALOG_INVALID_CURSOR');
    expect('post', '/api/v1/auth/login', 401, 'AUTH_INVALID_CREDENTIALS');
    expect('post', '/api/v1/auth/login', 429, 'AUTH_TOO_MANY_ATTEMPTS');
    expect('get', '/api/v1/me', 401, 'AUTH_TOKEN_EXPIRED');
    expect('patch', '/api/v1/me', 403, 'AUTH_CSRF_FAILED');
    expect('get', '/api/v1/me', 503, 'SQL_UNAVAILABLE');
    expect('get', '/livez', 406, 'HTTP_NOT_ACCEPTABLE');
    expect('get', '/readyz', 406, 'HTTP_NOT_ACCEPTABLE');
    expect('get', '/.well-known/jwks.json', 406, 'HTTP_NOT_ACCEPTABLE');
  });

  test('the document introduces itself: servers, licence, contact, the conventions', () => {
    assert.ok((document.servers as unknown[]).length > 0);
    assert.equal(document.info.license.identifier, 'MIT');
    assert.ok(document.info.contact.name);
    const description = document.info.description as string;
    for (const topic of [
      'Authorization: Bearer',
      'X-API-Key',
      'X-CSRF-Token',
      'application/problem+json',
      'requestId',
      'links.next',
      'Idempotency-Key',
      'Idempotent-Replayed',
      'If-Match',
      '428',
      '412',
      'Deprecation',
      'Sunset',
      'successor-version',
      '/api/v2',
    ]) {
      assert.ok(description.includes(topic), `info.description explains ${topic}`);
    }
  });
});
