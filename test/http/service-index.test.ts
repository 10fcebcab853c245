// `GET /` is a small index of the service: JSON for API clients, a minimal
// HTML page for browsers (no script, no style: the API's strict CSP holds),
// the same links in an RFC 8631 `Link` header, and every link answers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerServiceIndex } from '../../src/http/openapi/service-index.ts';
import { DEMO_ACCOUNTS, demoAccountsToList } from '../../src/wiring/demo-accounts.ts';
import { startService, type StartedService } from '../support/start.ts';
import { serve } from './harness.ts';

interface Index {
  name: string;
  version: string;
  links: Record<string, string>;
  apis: { version: string; basePath: string }[];
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the service index at /', () => {
  let service: StartedService;
  const get = (accept?: string, method = 'GET') =>
    fetch(`${service.url}/`, { method, headers: accept === undefined ? {} : { accept } });

  before(async () => {
    service = await startService();
  });

  after(() => service.close());

  test('API clients get JSON naming the reference, the health probes and the API roots', async () => {
    for (const accept of ['application/json', '*/*', undefined]) {
      const res = await get(accept);
      assert.equal(res.status, 200, String(accept));
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.match(res.headers.get('vary') ?? '', /accept/i);
      const index = (await res.json()) as Index;
      assert.equal(index.name, 'Throughline API');
      assert.deepEqual(index.links, {
        console: '/console',
        docs: '/docs',
        openapi: '/openapi.json',
        livez: '/livez',
        readyz: '/readyz',
      });
      assert.deepEqual(index.apis, [
        { version: 'v1', basePath: '/api/v1' },
        { version: 'v2', basePath: '/api/v2' },
      ]);
    }
  });

  test('the Link header carries the RFC 8631 relations', async () => {
    const res = await get('application/json');
    await res.body?.cancel();
    const link = res.headers.get('link') ?? '';
    assert.match(link, /<\/openapi\.json>; rel="service-desc"/);
    assert.match(link, /<\/docs>; rel="service-doc"/);
    assert.match(link, /<\/readyz>; rel="status"/);
  });

  test('browsers get a minimal HTML page under the strict CSP', async () => {
    const res = await get(BROWSER_ACCEPT);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|nonce-/);
    const html = await res.text();
    assert.match(html, /^<!doctype html>/);
    for (const href of ['/console', '/docs', '/openapi.json', '/livez', '/readyz']) {
      assert.ok(html.includes(`href="${href}"`), href);
    }
    assert.ok(html.includes('/api/v1') && html.includes('/api/v2'));
    assert.doesNotMatch(
      html,
      /<script|<style|\sstyle=|\son[a-z]+=/i,
      'nothing the CSP would block',
    );
  });

  test('HEAD answers like GET without a body; an unacceptable type is a 406', async () => {
    const head = await get('application/json', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const xml = await get('application/xml');
    assert.equal(xml.status, 406);
    assert.equal(((await xml.json()) as { code: string }).code, 'HTTP_NOT_ACCEPTABLE');
  });

  test('every link answers 200, and the index is not in the OpenAPI document', async () => {
    const index = (await (await get('application/json')).json()) as Index;
    for (const href of Object.values(index.links)) {
      const res = await fetch(`${service.url}${href}`);
      await res.body?.cancel();
      assert.equal(res.status, 200, href);
    }
    const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.equal(doc.paths['/'], undefined);
    for (const api of index.apis) {
      assert.ok(
        Object.keys(doc.paths).some((path) => path.startsWith(`${api.basePath}/`)),
        api.basePath,
      );
    }
  });

  test('credentials are ignored here as on every public route', async () => {
    const res = await fetch(`${service.url}/`, { headers: { authorization: 'Bearer stale' } });
    await res.body?.cancel();
    assert.equal(res.status, 200);
  });

  test('outside production the page lists the demo accounts to sign in with', async () => {
    const html = await (await get(BROWSER_ACCEPT)).text();
    assert.match(html, /<caption>Demo accounts/);
    for (const account of Object.values(DEMO_ACCOUNTS)) {
      assert.ok(html.includes(`<code>${account.email}</code>`), account.email);
      assert.ok(html.includes(`<code>${account.password}</code>`), account.email);
    }
    const json = JSON.stringify(await (await get('application/json')).json());
    assert.ok(!json.includes(DEMO_ACCOUNTS.admin.password), 'the JSON index names no password');
  });
});

describe('the service index in production', () => {
  test('no account and no password is listed', async () => {
    assert.deepEqual(demoAccountsToList('production'), []);
    assert.equal(demoAccountsToList('development').length, Object.keys(DEMO_ACCOUNTS).length);
    const harness = await serve((app) => {
      registerServiceIndex(app, {
        name: 'Throughline API',
        version: '0.0.0',
        signInAccounts: demoAccountsToList('production'),
      });
    });
    try {
      const html = await (
        await fetch(`${harness.url}/`, { headers: { accept: BROWSER_ACCEPT } })
      ).text();
      assert.match(html, /href="\/console"/);
      assert.doesNotMatch(html, /Demo accounts|<table/);
      for (const account of Object.values(DEMO_ACCOUNTS)) {
        assert.ok(!html.includes(account.email) && !html.includes(account.password), account.email);
      }
    } finally {
      await harness.close();
    }
  });
});
