// The OpenAPI document is generated from the same declarations that validate
// requests; the reference page is served from our origin under a nonce CSP.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { registerApiDocs } from '../../src/http/docs-page.ts';
import { securityHeaders } from '../../src/http/middleware/security-headers.ts';
import { createSecurityHeaders } from '../../src/http/security-headers.ts';
import { serve, type Harness } from './harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking a JSON document
type Json = Record<string, any>;

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
    assert.equal(get.responses['422'].$ref, '#/components/responses/ValidationFailed');

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
    assert.equal(get.responses['401'].$ref, '#/components/responses/Unauthenticated');
    assert.deepEqual(doc.paths['/api/v1/users'].post.security, []);
    assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
    assert.equal(doc.paths['/api/v1/old'].get.deprecated, true);
    assert.ok(doc.components.schemas.Problem.properties.errors);
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
