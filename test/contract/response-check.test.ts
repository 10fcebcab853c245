// The response check itself: a small app whose routes break their own
// documented contract in known ways, served through the capturing listener,
// must produce exactly the expected mismatches, and honest responses none.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { createApp, type App } from '../../src/http/app.ts';
import { registerApiDocs } from '../../src/http/openapi/docs-page.ts';
import { httpError } from '../../src/http/errors.ts';
import { compression } from '../../src/http/middleware/compression/compression.ts';
import { createSecurityHeaders } from '../../src/http/middleware/security-headers/policy.ts';
import { startServer, type RunningServer } from '../../src/http/server/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { documentHash, type OpenApiDocument } from '../support/contract/document.ts';
import { contractRecorder, type ContractRecorder } from '../support/contract/recorder.ts';
import { ServedContract, type Exchange } from '../support/contract/response-check.ts';
import { DEFAULT_LIMITS } from '../support/start.ts';

const thing = z.object({ id: z.string(), name: z.string() }).meta({ id: 'Thing' });

function buildApp(): App {
  const app = createApp({ logger: createLogger({ level: 'silent' }) });
  app.use(compression());
  app.route({
    method: 'GET',
    path: '/things/:id',
    operationId: 'getThing',
    auth: 'public',
    schema: { params: z.object({ id: z.string() }), responses: { 200: thing } },
    handler: (c) => {
      const id = c.input.params.id;
      if (id === 'numeric') return { id: 7, name: 'seven' };
      if (id === 'extra') return { id, name: 'x', secret: true, more: 1 };
      if (id === 'long') return { id, name: 'x'.repeat(50_000) };
      if (id === 'text') {
        c.text('not json');
        return undefined;
      }
      return { id, name: `thing ${id}` };
    },
  });
  app.route({
    method: 'POST',
    path: '/things',
    operationId: 'createThing',
    auth: 'public',
    schema: {
      body: z.object({ name: z.string() }),
      responses: { 201: { description: 'Created', schema: thing } },
    },
    handler: (c) => {
      // A 400 whose code the document does not list for this operation.
      if (c.input.body.name === 'bad path') throw httpError('HTTP_MALFORMED_PATH');
      // 200 with JSON: covered only by `default` (a problem).
      return { id: '1', name: c.input.body.name };
    },
  });
  app.route({
    method: 'DELETE',
    path: '/things/:id',
    operationId: 'deleteThing',
    auth: 'public',
    schema: { responses: { 204: { description: 'Gone' } } },
    handler: (c) => {
      if (c.params.id === 'body') c.json({ gone: true }, 200);
      else c.noContent();
    },
  });
  app.get('/hidden', (c) => c.text('teapot', 418), { auth: 'public', hidden: true });
  registerApiDocs(app, { title: 'check', version: '1' }, createSecurityHeaders());
  return app;
}

describe('response check through a capturing listener', () => {
  let app: App;
  let server: RunningServer;
  let recorder: ContractRecorder;

  before(async () => {
    app = buildApp();
    recorder = await contractRecorder(app);
    server = await startServer(recorder.wrap(app.handler), {
      ...DEFAULT_LIMITS,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ level: 'silent' }),
    });
  });
  after(() => server.close(0));

  /** Sends one request and returns the mismatches it added. */
  const mismatchesOf = async (path: string, init: RequestInit = {}) => {
    const before = recorder.mismatches.length;
    const res = await fetch(`${server.url}${path}`, init);
    await res.arrayBuffer();
    return recorder.mismatches.splice(before).map((m) => `${m.operation} ${m.status} ${m.kind}`);
  };

  test('honest responses pass, compressed or not, and HEAD and 304 carry no body to check', async () => {
    assert.deepEqual(await mismatchesOf('/things/a'), []);
    // 50 KB of JSON goes compressed: it is checked after decoding.
    for (const coding of ['br', 'gzip']) {
      const headers = { 'accept-encoding': coding };
      const res = await fetch(`${server.url}/things/long`, { headers });
      assert.equal(res.headers.get('content-encoding'), coding);
      await res.arrayBuffer();
      assert.deepEqual(await mismatchesOf('/things/long', { headers }), []);
    }
    assert.deepEqual(await mismatchesOf('/things/a', { method: 'HEAD' }), []);
    const etag = (await fetch(`${server.url}/things/a`)).headers.get('etag')!;
    assert.deepEqual(await mismatchesOf('/things/a', { headers: { 'if-none-match': etag } }), []);
    assert.deepEqual(await mismatchesOf('/things/a', { method: 'DELETE' }), []);
  });

  test('a body that breaks its schema is a body mismatch, with the failing members', async () => {
    assert.deepEqual(await mismatchesOf('/things/numeric'), ['GET /things/{id} 200 body']);
    const before = recorder.mismatches.length;
    await (await fetch(`${server.url}/things/extra`)).arrayBuffer();
    const [found] = recorder.mismatches.splice(before);
    assert.match(found!.detail, /must NOT have additional properties 'secret'/);
    assert.match(found!.request, /^GET \/things\/extra \(request id /);
  });

  test('an undocumented media type is a media-type mismatch', async () => {
    assert.deepEqual(await mismatchesOf('/things/text'), ['GET /things/{id} 200 media-type']);
    // 200 is covered only by `default`, whose media type is problem+json.
    const json = { 'content-type': 'application/json' };
    assert.deepEqual(
      await mismatchesOf('/things', { method: 'POST', headers: json, body: '{"name":"x"}' }),
      ['POST /things 200 media-type'],
    );
    assert.deepEqual(await mismatchesOf('/things/body', { method: 'DELETE' }), [
      'DELETE /things/{id} 200 media-type',
    ]);
  });

  test("a problem's code must be one the document names for its status", async () => {
    const json = { 'content-type': 'application/json' };
    // 400 HTTP_MALFORMED_JSON is documented for a route with a body.
    assert.deepEqual(
      await mismatchesOf('/things', { method: 'POST', headers: json, body: '{' }),
      [],
    );
    const before = recorder.mismatches.length;
    const res = await fetch(`${server.url}/things`, {
      method: 'POST',
      headers: json,
      body: '{"name":"bad path"}',
    });
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    const [found] = recorder.mismatches.splice(before);
    assert.equal(found?.kind, 'problem-code');
    assert.match(found.detail, /^code HTTP_MALFORMED_PATH is not among HTTP_BAD_REQUEST, /);
  });

  test('hidden routes are skipped; unknown paths and wrong methods must be problems', async () => {
    assert.deepEqual(await mismatchesOf('/hidden'), []);
    assert.deepEqual(await mismatchesOf('/nowhere'), []);
    assert.deepEqual(await mismatchesOf('/things/a', { method: 'PUT' }), []);
    assert.deepEqual(await mismatchesOf('/things/a/', {}), []);
    assert.ok(recorder.stats.unmatched >= 2);
    assert.ok(recorder.stats.skipped >= 2);
  });

  test('the report groups identical mismatches and names a request', async () => {
    await mismatchesOf('/hidden');
    const before = recorder.mismatches.length;
    for (let i = 0; i < 3; i += 1) await (await fetch(`${server.url}/things/numeric`)).text();
    const report = recorder.report()!;
    assert.match(report, /GET \/things\/\{id\} → 200 \[body\] \/id must be string \(×3\)/);
    assert.match(report, /e\.g\. GET \/things\/numeric/);
    recorder.mismatches.splice(before);
    assert.equal(recorder.report(), undefined);
  });
});

describe('response check against a hand-written document', () => {
  // What the generated document cannot express yet: no `default`, and a
  // required response header.
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    paths: {
      '/things/{id}': {
        get: {
          responses: {
            '200': {
              description: 'ok',
              headers: { ETag: { required: true, schema: { type: 'string' } } },
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '4XX': { $ref: '#/components/responses/Problem' },
          },
        },
      },
    },
    components: {
      schemas: {
        Problem: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
      },
      responses: {
        Problem: {
          description: 'problem',
          content: {
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          },
        },
      },
    },
  };
  const app = createApp({ logger: createLogger({ level: 'silent' }) });
  app.get('/things/:id', () => ({}), { auth: 'public', operationId: 'getThing' });
  const contract = new ServedContract(
    document,
    documentHash(JSON.stringify(document)),
    app.routes(),
  );
  const exchange = (status: number, headers: Record<string, string>, body?: string): Exchange => ({
    method: 'GET',
    path: '/things/1',
    status,
    headers,
    body: body === undefined ? undefined : Buffer.from(body),
    wireBytes: body === undefined ? 0 : Buffer.byteLength(body),
  });
  const kinds = (e: Exchange) => contract.check(e).map((m) => `${m.kind}: ${m.detail}`);

  test('a status with neither its own entry, a range nor default is undocumented', () => {
    assert.deepEqual(kinds(exchange(500, { 'content-type': 'application/problem+json' }, '{}')), [
      'status: status not documented (documented: 200, 4XX)',
    ]);
  });

  test('a range (4XX) documents its statuses, and its $ref is followed for the schema', () => {
    const json = { 'content-type': 'application/problem+json' };
    assert.deepEqual(kinds(exchange(409, json, '{"code":"X"}')), []);
    assert.deepEqual(kinds(exchange(409, json, '{"title":"no code"}')), [
      "body: (root) must have required property 'code'",
    ]);
  });

  test('a required response header must be present; a documented body must be sent', () => {
    const json = { 'content-type': 'application/json' };
    assert.deepEqual(kinds(exchange(200, { ...json, etag: '"1"' }, '{}')), []);
    assert.deepEqual(kinds(exchange(200, json, '{}')), ['header: required header ETag missing']);
    assert.deepEqual(kinds(exchange(200, { etag: '"1"' })), [
      'media-type: no body, documented: application/json',
    ]);
  });

  test('malformed JSON under a JSON media type is a body mismatch', () => {
    const headers = { 'content-type': 'application/json', etag: '"1"' };
    assert.match(kinds(exchange(200, headers, '{"a":'))[0]!, /^body: not JSON/);
  });
});
