// Routing behaviour as a client sees it, over real sockets: automatic HEAD and
// OPTIONS, 405 with Allow, the trailing-slash redirect, malformed paths,
// groups with their middleware, and conflicts at start-up.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../src/http/app.ts';
import { middleware } from '../../src/http/pipeline/pipeline.ts';
import { rawRequest, serve, type Harness } from './harness.ts';

describe('routing over HTTP', () => {
  let h: Harness;
  const trace: string[] = [];

  before(async () => {
    h = await serve((app) => {
      app.get('/users/:id', (c) => ({ id: c.params.id }), { auth: 'public' });
      app.put('/users/:id', (c) => ({ replaced: c.params.id }), { auth: 'public' });
      app.get('/users/new', () => ({ page: 'new' }), { auth: 'public' });
      app.get('/files/*path', (c) => ({ path: c.params.path }), { auth: 'public' });
      app.get('/orders/{id:\\d+}', (c) => ({ order: c.params.id }), { auth: 'public' });
      const tag = (name: string) =>
        middleware(name, 'handler', (c, next) => {
          trace.push(`${name}:${c.path}`);
          return next();
        });
      app.group('/api/v1', { middleware: [tag('v1')], auth: 'public' }, (v1) => {
        v1.get('/ping', () => ({ pong: true }));
        v1.group('/admin', { middleware: [tag('admin')] }, (admin) => {
          admin.get('/stats', () => ({ stats: 1 }));
        });
      });
    });
  });

  after(() => h.close());

  test('static beats param whatever the registration order; params are decoded', async () => {
    assert.deepEqual(await (await fetch(`${h.url}/users/new`)).json(), { page: 'new' });
    assert.deepEqual(await (await fetch(`${h.url}/users/caf%C3%A9`)).json(), { id: 'café' });
  });

  test('wildcards capture the rest; constrained params only match their pattern', async () => {
    assert.deepEqual(await (await fetch(`${h.url}/files/a/b/c.txt`)).json(), {
      path: 'a/b/c.txt',
    });
    assert.deepEqual(await (await fetch(`${h.url}/orders/42`)).json(), { order: '42' });
    assert.equal((await fetch(`${h.url}/orders/abc`)).status, 404);
  });

  test('HEAD is answered from GET without a body', async () => {
    const res = await rawRequest(h.url, { method: 'HEAD', path: '/users/7' });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.headers['content-length'], String(JSON.stringify({ id: '7' }).length));
  });

  test('OPTIONS lists the allowed methods', async () => {
    const res = await rawRequest(h.url, { method: 'OPTIONS', path: '/users/7' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, PUT');
  });

  test('OPTIONS * describes the server as a whole', async () => {
    const res = await rawRequest(h.url, { method: 'OPTIONS', path: '*' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, PUT');
  });

  test('405 with Allow when the path exists under other methods', async () => {
    const res = await rawRequest(h.url, { method: 'DELETE', path: '/users/7' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD, OPTIONS, PUT');
    const problem = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(problem.code, 'HTTP_METHOD_NOT_ALLOWED');
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('404 is a problem with the request id', async () => {
    const res = await rawRequest(h.url, { path: '/nothing/here' });
    assert.equal(res.status, 404);
    const problem = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(problem.code, 'HTTP_NOT_FOUND');
    assert.equal(problem.status, 404);
    assert.equal(problem.instance, '/nothing/here');
    assert.equal(problem.requestId, res.headers['x-request-id']);
  });

  test('a trailing slash redirects (308) to the canonical path, keeping the query', async () => {
    const res = await rawRequest(h.url, { path: '/users/7/?x=1' });
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, '/users/7?x=1');
  });

  for (const [name, path] of [
    ['a malformed percent-encoding', '/users/%E0%A4%A'],
    ['an invalid escape', '/users/%zz'],
    ['a dot-dot segment', '/files/a/../../etc/passwd'],
    ['an encoded dot-dot', '/files/a/%2e%2e/secret'],
    ['an encoded slash traversal in a param', '/users/..%2fadmin'],
    ['a NUL byte', '/users/a%00b'],
  ] as const) {
    test(`${name} is rejected with 400`, async () => {
      const res = await rawRequest(h.url, { path });
      assert.equal(res.status, 400, res.body);
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'HTTP_MALFORMED_PATH');
    });
  }

  test('groups prefix paths and run their middleware outer group first', async () => {
    trace.length = 0;
    assert.deepEqual(await (await fetch(`${h.url}/api/v1/ping`)).json(), { pong: true });
    assert.deepEqual(await (await fetch(`${h.url}/api/v1/admin/stats`)).json(), { stats: 1 });
    assert.deepEqual(trace, [
      'v1:/api/v1/ping',
      'v1:/api/v1/admin/stats',
      'admin:/api/v1/admin/stats',
    ]);
  });
});

describe('route registration', () => {
  const logger = pino({ level: 'silent' });

  test('a conflicting registration fails at start-up with a clear message', () => {
    const app = createApp({ logger });
    app.get('/users/:id', () => undefined);
    assert.throws(() => app.get('/users/:userId/posts', () => undefined), /users\/:id/);
    assert.throws(() => app.get('/users/:id', () => undefined), /GET/);
  });

  test('routes and middleware cannot be added once the app serves', () => {
    const app = createApp({ logger });
    app.build();
    assert.throws(() => app.get('/late', () => undefined), /sealed/);
    assert.throws(() => app.use(middleware('m', 'handler', (_c, next) => next())), /serves/);
    app.close();
  });
});
