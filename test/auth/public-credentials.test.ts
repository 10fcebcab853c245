// Public routes ignore credentials: a stale or malformed Authorization,
// X-API-Key or cookie on a health probe, the API reference or a public read
// changes nothing, and a path no route matches is a 404 whatever the request
// carries. Routes that need a caller still refuse the same credentials with 401.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

const BAD_CREDENTIALS: readonly [string, Readonly<Record<string, string>>][] = [
  ['a forged bearer token', { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.c2ln' }],
  ['a bearer value that is no token', { authorization: 'Bearer not-a-token' }],
  ['an unknown API key as bearer', { authorization: 'Bearer tl_unknown_secret' }],
  ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
  ['an unknown X-API-Key', { 'x-api-key': 'tl_unknown_secret' }],
];

describe('credentials on public routes', () => {
  let service: StartedService;
  let api: ApiClient;

  before(async () => {
    service = await startService();
    api = apiClient(service.url);
  });

  after(() => service.close());

  test('health probes, the API reference and public reads answer as without them', async () => {
    const paths = [
      '/livez',
      '/readyz',
      '/openapi.json',
      '/docs',
      '/docs/assets/swagger-ui.css',
      '/.well-known/jwks.json',
      '/api/v1/products?limit=1',
      '/api/v2/products/1',
    ];
    for (const path of paths) {
      for (const [what, headers] of BAD_CREDENTIALS) {
        const res = await api.call(path, { headers });
        await res.body?.cancel();
        assert.equal(res.status, 200, `${path} with ${what}`);
        assert.equal(res.headers.get('www-authenticate'), null, `${path} with ${what}`);
      }
    }
  });

  test('a public write (sign-in) works with a stale token beside it', async () => {
    const res = await api.call('/api/v1/auth/login', {
      method: 'POST',
      json: { email: DEMO_ACCOUNTS.customer.email, password: DEMO_ACCOUNTS.customer.password },
      headers: BAD_CREDENTIALS[0]![1],
    });
    assert.equal(res.status, 200, await res.clone().text());
  });

  test('an unknown path is a 404 whatever credential comes with it', async () => {
    for (const [what, headers] of BAD_CREDENTIALS) {
      for (const path of ['/nope', '/api/v1/nope', '/api/v1/products/1/nope']) {
        const res = await api.call(path, { headers });
        assert.equal(res.status, 404, `${path} with ${what}`);
        assert.equal(((await res.json()) as { code: string }).code, 'HTTP_NOT_FOUND');
      }
    }
  });

  test('routes that need a caller still refuse every one of them with 401', async () => {
    for (const [what, headers] of BAD_CREDENTIALS) {
      const res = await api.call('/api/v1/me', { headers });
      await res.body?.cancel();
      assert.equal(res.status, 401, what);
      assert.ok(res.headers.get('www-authenticate'), what);
    }
  });
});
