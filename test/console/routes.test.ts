// The console's routes without a browser: the page and its files with their
// caching and CSP, and the two console views' permissions.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/platform/config.ts';
import { serviceSecurityHeaders } from '../../src/wiring/http-setup.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

describe('console routes', () => {
  let service: StartedService;
  let api: ApiClient;

  before(async () => {
    service = await startService();
    api = apiClient(service.url);
  });

  after(() => service.close());

  const tokenOf = async (account: { email: string; password: string }) =>
    (await api.login(account.email, account.password)).accessToken;

  test('the page: files-only CSP, revalidated on each load by its ETag', async () => {
    const res = await api.call('/console');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'; script-src 'self'; style-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-|nonce-/);
    const etag = res.headers.get('etag');
    assert.ok(etag !== null);
    await res.body?.cancel();
    const again = await api.call('/console', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
  });

  test('its files live under a version, immutable for a year; other versions are 404', async () => {
    const html = await (await api.call('/console')).text();
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    const style = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
    assert.ok(script !== undefined && style !== undefined);

    const js = await api.call(script);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.doesNotMatch(await js.text(), /\): Promise<void>/, 'types are stripped');
    const css = await api.call(style);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    await css.body?.cancel();

    const stale = await api.call(script.replace(/assets\/[^/]+\//, 'assets/0000000000000000/'));
    assert.equal(stale.status, 404);
    assert.equal(await problemCode(stale), 'HTTP_NOT_FOUND');
    const unknown = await api.call(script.replace(/main\.ts$/, 'tsconfig.json'));
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  });

  test('permissions: what the caller may do; nothing for an anonymous caller', async () => {
    const anonymous = await api.call('/console/api/permissions');
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const res = await api.call('/console/api/permissions', {
      token: await tokenOf(DEMO_ACCOUNTS.editor),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { permissions } = (await res.json()) as { permissions: string[] };
    assert.ok(permissions.includes('catalog:write'));
    assert.ok(!permissions.includes('users:read'));
  });

  test('traffic: per route for ops:read, refused to a customer', async () => {
    const customer = await api.call('/console/api/traffic', {
      token: await tokenOf(DEMO_ACCOUNTS.customer),
    });
    assert.equal(customer.status, 403);
    await customer.body?.cancel();

    const res = await api.call('/console/api/traffic', {
      token: await tokenOf(DEMO_ACCOUNTS.admin),
    });
    assert.equal(res.status, 200);
    const traffic = (await res.json()) as {
      enabled: boolean;
      routes: { method: string; route: string; requests: number }[];
    };
    assert.equal(traffic.enabled, true);
    const login = traffic.routes.find(
      (route) => route.method === 'POST' && route.route === '/api/v1/auth/login',
    );
    assert.ok(login !== undefined && login.requests >= 3, 'the sign-ins above are counted');
  });

  test('the page may show and upload images on the disk store (self) and nowhere else', async () => {
    const res = await api.call('/console');
    await res.body?.cancel();
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /img-src 'self' data:;/);
    assert.match(csp, /connect-src 'self';/);
  });
});

describe('console CSP with S3', () => {
  test('the bucket endpoint’s origin is allowed for images and uploads, without its key', () => {
    const config = loadConfig({
      argv: [],
      env: { NODE_ENV: 'test', S3_URL: 'https://AKIDEXAMPLE:s3cr3t@s3.example.com:9000' },
    });
    const csp = serviceSecurityHeaders(config).filesOnly();
    assert.match(csp, /img-src 'self' data: https:\/\/s3\.example\.com:9000;/);
    assert.match(csp, /connect-src 'self' https:\/\/s3\.example\.com:9000;/);
    assert.doesNotMatch(csp, /AKIDEXAMPLE|s3cr3t|unsafe-inline/);
  });
});
