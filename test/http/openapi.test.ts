// The OpenAPI document is generated from the same declarations that validate
// requests; the reference page is served from our origin under a nonce CSP.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { createApp } from '../../src/http/app.ts';
import { registerApiDocs } from '../../src/http/openapi/docs-page.ts';
import { httpErrors } from '../../src/http/errors.ts';
import { buildOpenApi, openApiProblems } from '../../src/http/openapi/openapi.ts';
import { securityHeaders } from '../../src/http/middleware/security-headers/security-headers.ts';
import { createSecurityHeaders } from '../../src/http/middleware/security-headers/policy.ts';
import { silentLogger } from '../support/start.ts';
import { serve, type Harness } from './harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
type Json = Record<string, any>;

/** The codes an operation documents under `status`: the names of its problem examples. */
function codesAt(operation: Json, status: number): string[] {
  const content = operation.responses[String(status)]?.content?.['application/problem+json'];
  return Object.keys(content?.examples ?? {});
}

describe('OpenAPI and /docs', () => {
  let h: Harness;
  let doc: Json;

  before(async () => {
    const security = createSecurityHeaders();
    h = await serve((app) => {
      app.use(securityHeaders(security));
      app.group('/api/v1', { tags: ['users'] }, (v1) => {
        v1.route({
          method: 'GET',
          path: '/users/:id(\\d+)/posts/:postId',
          operationId: 'getPost',
          summary: 'Read one post',
          schema: {
            params: z.object({ id: z.coerce.number().int(), postId: z.uuid() }),
            query: z.object({ fields: z.string().optional(), limit: z.coerce.number().max(100) }),
            responses: { 200: z.object({ id: z.string(), title: z.string() }) },
          },
          handler: () => ({ id: '1', title: 't' }),
        });
        v1.route({
          method: 'POST',
          path: '/users',
          auth: 'public',
          operationId: 'registerUser',
          schema: {
            body: z.strictObject({ email: z.email(), age: z.number().int().min(0) }),
            responses: { 201: { description: 'Created', schema: z.object({ id: z.string() }) } },
          },
          handler: (c) => c.created('/api/v1/users/1', { id: '1' }),
        });
        v1.get('/old', () => ({}), {
          auth: 'public',
          operationId: 'getOld',
          deprecated: { successor: '/api/v2/old' },
        });
      });
      registerApiDocs(app, { title: 'Test API', version: '9.9.9' }, security);
    });
    doc = (await (await fetch(`${h.url}/openapi.json`)).json()) as Json;
  });

  after(() => h.close());

  test('is OpenAPI 3.1 with the routes, in OpenAPI path syntax', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, '9.9.9');
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/api/v1/old',
      '/api/v1/users',
      '/api/v1/users/{id}/posts/{postId}',
    ]);
    assert.equal(doc.paths['/openapi.json'], undefined, 'hidden routes stay out');
  });

  test('parameters and bodies come from the zod schemas', () => {
    const get = doc.paths['/api/v1/users/{id}/posts/{postId}'].get;
    assert.equal(get.summary, 'Read one post');
    assert.deepEqual(get.tags, ['users']);
    const byName = Object.fromEntries((get.parameters as Json[]).map((p) => [p.name, p])) as Record<
      string,
      Json | undefined
    >;
    assert.equal(byName.id!.in, 'path');
    assert.equal(byName.id!.schema.type, 'integer');
    assert.equal(byName.postId!.schema.format, 'uuid');
    assert.equal(byName.limit!.in, 'query');
    assert.equal(byName.limit!.required, true);
    assert.equal(byName.fields!.required, false);
    assert.equal(get.responses['200'].content['application/json'].schema.type, 'object');
    assert.deepEqual(codesAt(get, 422), ['HTTP_VALIDATION_FAILED']);

    const post = doc.paths['/api/v1/users'].post;
    assert.equal(post.operationId, 'registerUser');
    const body = post.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['email', 'age']);
    assert.equal(body.additionalProperties, false);
    assert.equal(body.properties.email.format, 'email');
    assert.equal(post.responses['201'].description, 'Created');
  });

  test('security follows deny-by-default; deprecation is flagged', () => {
    const get = doc.paths['/api/v1/users/{id}/posts/{postId}'].get;
    assert.deepEqual(get.security, [{ bearerAuth: [] }]);
    assert.deepEqual(codesAt(get, 401), ['HTTP_UNAUTHENTICATED']);
    assert.deepEqual(doc.paths['/api/v1/users'].post.security, []);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    assert.equal(doc.paths['/api/v1/old'].get.deprecated, true);
    assert.ok(doc.components.schemas.Problem.properties.errors);
  });

  test('error responses follow from the route: body parsing, validation, negotiation', () => {
    const post = doc.paths['/api/v1/users'].post;
    assert.deepEqual(codesAt(post, 400), [
      'HTTP_BAD_REQUEST',
      'HTTP_MALFORMED_BODY',
      'HTTP_MALFORMED_JSON',
    ]);
    assert.deepEqual(codesAt(post, 413), ['HTTP_PAYLOAD_TOO_LARGE']);
    assert.deepEqual(codesAt(post, 415), ['HTTP_UNSUPPORTED_MEDIA_TYPE']);
    assert.deepEqual(codesAt(post, 406), ['HTTP_NOT_ACCEPTABLE']);
    assert.deepEqual(codesAt(post, 401), [], 'a public route needs no credentials');
    const problem = post.responses['422'].content['application/problem+json'];
    assert.equal(problem.schema.$ref, '#/components/schemas/Problem');
    assert.match(post.responses['422'].description, /`HTTP_VALIDATION_FAILED`: Validation failed/);
    const example = doc.components.examples.HTTP_VALIDATION_FAILED;
    assert.deepEqual(
      [example.value.code, example.value.status],
      ['HTTP_VALIDATION_FAILED', 422],
      'each code has one example, referenced by every operation that lists it',
    );
    assert.equal(
      problem.examples.HTTP_VALIDATION_FAILED.$ref,
      '#/components/examples/HTTP_VALIDATION_FAILED',
    );
    assert.equal(post.responses.default.$ref, '#/components/responses/Problem');
  });

  test('/openapi.json answers 406 to a client that accepts no JSON, like other routes', async () => {
    const xml = await fetch(`${h.url}/openapi.json`, { headers: { accept: 'application/xml' } });
    assert.equal(xml.status, 406);
    assert.match(xml.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(((await xml.json()) as Json).code, 'HTTP_NOT_ACCEPTABLE');
    for (const accept of ['application/json', 'application/*', '*/*']) {
      const ok = await fetch(`${h.url}/openapi.json`, { headers: { accept } });
      assert.equal(ok.status, 200, accept);
      await ok.arrayBuffer();
    }
  });

  test('/docs is an HTML page whose scripts run under a per-response nonce', async () => {
    const first = await fetch(`${h.url}/docs`);
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/html/);
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    assert.ok(nonce, csp);
    const html = await first.text();
    assert.ok(html.includes(`<script src="/docs/assets/swagger-ui-bundle.js" nonce="${nonce}">`));
    assert.doesNotMatch(html, /https?:\/\/(cdn|unpkg|jsdelivr)/);
    const second = await fetch(`${h.url}/docs`);
    assert.notEqual(
      /'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1],
      nonce,
    );
  });

  test('the reference UI assets come from our origin, unknown ones are 404', async () => {
    const js = await fetch(`${h.url}/docs/assets/swagger-ui-bundle.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await js.arrayBuffer()).byteLength > 100_000);
    assert.equal((await fetch(`${h.url}/docs/assets/package.json`)).status, 404);
    assert.equal((await fetch(`${h.url}/docs/assets/..%2fpackage.json`)).status, 400);
  });
});

describe('what the document requires of routes', () => {
  const app = () => createApp({ logger: silentLogger() });
  const ok = () => ({});

  test('a documented route without an operationId stops the document; a hidden one does not', () => {
    const named = app();
    named.get('/a', ok, { auth: 'public', operationId: 'getA' });
    named.get('/probe', ok, { auth: 'public', hidden: true });
    assert.deepEqual(openApiProblems(named.routes(), {}), []);

    const unnamed = app();
    unnamed.get('/a', ok, { auth: 'public', operationId: 'getA' });
    unnamed.get('/b', ok, { auth: 'public' });
    assert.deepEqual(openApiProblems(unnamed.routes(), {}), [
      'GET /b has no operationId (name it, or mark the route hidden)',
    ]);
    assert.throws(
      () => buildOpenApi(unnamed.routes(), { title: 't', version: '1' }),
      /GET \/b has no operationId/,
    );
  });

  test('operationIds are camelCase and unique', () => {
    const routes = app();
    routes.get('/a', ok, { auth: 'public', operationId: 'getThing' });
    routes.get('/b', ok, { auth: 'public', operationId: 'getThing' });
    routes.get('/c', ok, { auth: 'public', operationId: 'get_things' });
    routes.get('/d', ok, { auth: 'public', operationId: 'getV2Things' });
    // A long digit run before a bad character: refused at once, not after 2^60 tries.
    const digits = `get${'1'.repeat(60)}-`;
    routes.get('/e', ok, { auth: 'public', operationId: digits });
    assert.deepEqual(openApiProblems(routes.routes(), {}), [
      'GET /b: operationId getThing is already used by GET /a',
      'GET /c: operationId get_things is not camelCase',
      `GET /e: operationId ${digits} is not camelCase`,
    ]);
  });

  test('every error code must be registered, every tag declared', () => {
    const routes = app();
    routes.group('/g', { tags: ['things'], errors: ['HTTP_NOT_FOUND'] }, (g) => {
      g.get('/a', ok, { auth: 'public', operationId: 'getA', errors: ['THINGS_GONE'] });
      g.get('/b', ok, { auth: 'public', operationId: 'getB', tags: ['stuff'] });
    });
    const tags = [{ name: 'things', description: 'Things' }];
    assert.deepEqual(openApiProblems(routes.routes(), { tags }), [
      'GET /g/a: error code THINGS_GONE is not registered',
      'GET /g/b: tag stuff is not declared',
    ]);
    assert.deepEqual(
      openApiProblems(routes.routes(), {
        tags,
        errors: { THINGS_GONE: { status: 410, title: 'Gone', level: 'info' }, ...httpErrors },
        routeErrors: () => ['THINGS_MOVED'],
      }),
      [
        'GET /g/a: error code THINGS_MOVED is not registered',
        'GET /g/b: error code THINGS_MOVED is not registered',
        'GET /g/b: tag stuff is not declared',
      ],
    );
  });

  test('codes are documented under their registered status, merged with a declared one', () => {
    const routes = app();
    const report = z.object({ status: z.string() });
    routes.group('/g', { errors: ['HTTP_NOT_FOUND'] }, (g) => {
      g.route({
        method: 'PUT',
        path: '/thing',
        auth: 'public',
        operationId: 'putThing',
        errors: ['HTTP_PRECONDITION_REQUIRED', 'HTTP_PRECONDITION_FAILED', 'THINGS_STALE'],
        schema: { responses: { 200: report, 503: { description: 'Not ready', schema: report } } },
        handler: ok,
      });
    });
    const document: Json = buildOpenApi(routes.routes(), {
      title: 't',
      version: '1',
      errors: { ...httpErrors, THINGS_STALE: { status: 412, title: 'Stale', level: 'info' } },
      routeErrors: () => ['HTTP_DEADLINE_EXCEEDED'],
    });
    const put = document.paths['/g/thing'].put;
    assert.deepEqual(codesAt(put, 404), ['HTTP_NOT_FOUND'], 'from the group');
    assert.deepEqual(codesAt(put, 412), ['HTTP_PRECONDITION_FAILED', 'THINGS_STALE']);
    assert.deepEqual(codesAt(put, 428), ['HTTP_PRECONDITION_REQUIRED']);
    assert.deepEqual(codesAt(put, 503), ['HTTP_DEADLINE_EXCEEDED'], 'from the composition');
    const notReady = put.responses['503'];
    assert.deepEqual(Object.keys(notReady.content), [
      'application/json',
      'application/problem+json',
    ]);
    assert.match(notReady.description, /^Not ready\n\nOr a problem whose `code` is one of:/);
    assert.deepEqual(Object.keys(document.components.examples).sort(), [
      'HTTP_DEADLINE_EXCEEDED',
      'HTTP_NOT_ACCEPTABLE',
      'HTTP_NOT_FOUND',
      'HTTP_PRECONDITION_FAILED',
      'HTTP_PRECONDITION_REQUIRED',
      'THINGS_STALE',
    ]);
  });
});
