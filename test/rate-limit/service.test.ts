// The service's rate limits over real HTTP, as src/wiring/rate-limits.ts wires them:
// per client network on everything but the probes and docs, per user after
// authentication, and the stricter per-network and per-account limits on the
// sign-in routes. Clients at different addresses are simulated through
// X-Forwarded-For (TRUST_PROXY=true). On both engines, with the in-process
// limiter; then, when REDIS_URL is set, two instances sharing one limit and a
// Redis outage (a TCP proxy the test cuts): ordinary traffic fails open,
// sign-in fails closed, readiness reports without failing, and both recover
// on their own.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { apiClient, problemCode } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import {
  redisSkip,
  redisTarget,
  redisUrlVia,
  removeKeys,
  REDIS_URL,
  uniquePrefix,
} from '../support/redis.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'correct horse battery staple';

/** Rate limits on (the test harness turns them off), addresses from X-Forwarded-For. */
const LIMITED = { RATE_LIMIT_ENABLED: 'true', TRUST_PROXY: 'true' } as const;

const from = (address: string) => ({ 'x-forwarded-for': address });

for (const engine of ENGINES) {
  describe(`rate limits in the service on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    const services: StartedService[] = [];

    before(async () => {
      database = await engine.open();
    });

    // A test's service stops with it: left running, its workers would go on
    // polling the shared database and slow every later test in the file.
    afterEach(async () => {
      await Promise.all(services.splice(0).map((service) => service.close()));
    });

    after(async () => {
      await database.close();
    });

    /** A service of its own per test: the in-process limiter starts empty. */
    async function start(env: Record<string, string>) {
      const service = await startService({ sql: database.sql, env: { ...LIMITED, ...env } });
      services.push(service);
      return { service, api: apiClient(service.url) };
    }

    test('per address: counted on every API route, refused beyond the limit; probes and docs are not counted', async () => {
      const { api } = await start({ RATE_LIMIT_IP_LIMIT: '3' });
      const product = (address: string) =>
        api.call('/api/v1/products/1', { headers: from(address) });

      for (const path of ['/livez', '/readyz', '/openapi.json', '/docs']) {
        for (let i = 0; i < 4; i++) {
          const res = await api.call(path, { headers: from('203.0.113.10') });
          assert.equal(res.status, 200, path);
          assert.equal(res.headers.get('ratelimit'), null, path);
        }
      }

      for (const remaining of [2, 1, 0]) {
        const res = await product('203.0.113.10');
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit-policy'), '"ip";q=3;w=60');
        assert.match(res.headers.get('ratelimit')!, new RegExp(`^"ip";r=${remaining};t=\\d+$`));
      }
      const refused = await product('203.0.113.10');
      assert.equal(refused.status, 429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 20, `${retryAfter}`);
      assert.match(refused.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(await problemCode(refused), 'HTTP_RATE_LIMITED');
      // Unknown routes count too: a scanner cannot probe for free.
      assert.equal((await api.call('/nope', { headers: from('203.0.113.10') })).status, 429);

      // Probes still answer the limited address; another address has its own budget.
      assert.equal((await api.call('/livez', { headers: from('203.0.113.10') })).status, 200);
      assert.equal((await product('203.0.113.11')).status, 200);
    });

    test('per address: an IPv6 /64 is one client', async () => {
      const { api } = await start({ RATE_LIMIT_IP_LIMIT: '2' });
      const product = (address: string) =>
        api.call('/api/v1/products/1', { headers: from(address) });
      assert.equal((await product('2001:db8:1:2::a')).status, 200);
      assert.equal((await product('2001:db8:1:2:ffff::b')).status, 200);
      assert.equal((await product('2001:db8:1:2::c')).status, 429);
      assert.equal((await product('2001:db8:1:3::a')).status, 200);
    });

    test('per user: counted by identity after authentication, apart from the address', async () => {
      const { api } = await start({ RATE_LIMIT_USER_LIMIT: '2' });
      await api.register('rl-alice@example.com', PASSWORD);
      await api.register('rl-bob@example.com', PASSWORD);
      const alice = (await api.login('rl-alice@example.com', PASSWORD)).accessToken;
      const bob = (await api.login('rl-bob@example.com', PASSWORD)).accessToken;
      const me = (token: string) => api.call('/api/v1/me', { token });

      const first = await me(alice);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('ratelimit-policy'), '"ip";q=1200;w=60, "user";q=2;w=60');
      assert.match(first.headers.get('ratelimit')!, /^"ip";r=\d+;t=\d+, "user";r=1;t=\d+$/);
      assert.equal((await me(alice)).status, 200);
      const refused = await me(alice);
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get('ratelimit')!, /"user";r=0;t=\d+$/);
      // A token comes back every 30 s; on a slow machine some of that time
      // has already passed between the first request and this one.
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);

      // Same address, another user: its own budget. Anonymous requests: no user policy.
      assert.equal((await me(bob)).status, 200);
      const anonymous = await api.call('/api/v1/products/1');
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.headers.get('ratelimit-policy'), '"ip";q=1200;w=60');
    });

    test('sign-in routes: one stricter budget per address across all of them', async () => {
      const { api, service } = await start({
        RATE_LIMIT_SIGNIN_IP_LIMIT: '5',
        RATE_LIMIT_SIGNIN_ACCOUNT_LIMIT: '100',
      });
      const post = (path: string, json: unknown, address = '198.51.100.7') =>
        api.call(`/api/v1/auth${path}`, {
          method: 'POST',
          json,
          headers: { ...from(address), origin: service.url },
        });

      const registered = await post('/register', {
        email: 'rl-signin-1@example.com',
        password: PASSWORD,
      });
      assert.equal(registered.status, 201);
      assert.equal(
        registered.headers.get('ratelimit-policy'),
        '"ip";q=1200;w=60, "sign-in-ip";q=5;w=900, "sign-in-account";q=100;w=900',
      );
      assert.match(
        registered.headers.get('ratelimit')!,
        /"sign-in-ip";r=4;t=\d+, "sign-in-account";r=99;/,
      );
      const statuses = [
        (await post('/login', { email: 'rl-signin-1@example.com', password: 'wrong password' }))
          .status,
        (await post('/session', { email: 'rl-signin-2@example.com', password: PASSWORD })).status,
        (await post('/password/forgot', { email: 'rl-signin-3@example.com' })).status,
        (await post('/login/mfa', { mfaToken: 'mfa_unknown', code: '123456' })).status,
      ];
      assert.ok(!statuses.includes(429), statuses.join(','));
      const refused = await post('/login', {
        email: 'rl-signin-1@example.com',
        password: PASSWORD,
      });
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get('ratelimit')!, /"sign-in-ip";r=0;/);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);

      // Other routes from that address, and sign-in from another, are unaffected.
      const refresh = await post('/refresh', { refreshToken: 'not-a-token' });
      assert.notEqual(refresh.status, 429);
      assert.equal(
        (await api.call('/api/v1/products/1', { headers: from('198.51.100.7') })).status,
        200,
      );
      const elsewhere = await post(
        '/login',
        { email: 'rl-signin-1@example.com', password: PASSWORD },
        '198.51.100.8',
      );
      assert.equal(elsewhere.status, 200);
    });

    test('sign-in routes: one budget per account, whatever the address or the spelling', async () => {
      const { api } = await start({
        RATE_LIMIT_SIGNIN_IP_LIMIT: '100',
        RATE_LIMIT_SIGNIN_ACCOUNT_LIMIT: '3',
      });
      const login = (email: string, password: string, address: string) =>
        api.call('/api/v1/auth/login', {
          method: 'POST',
          json: { email, password },
          headers: from(address),
        });

      // Registering names the account too: 1 of 3.
      await api.register('rl-target@example.com', PASSWORD);
      assert.equal((await login('rl-target@example.com', 'guess one', '192.0.2.1')).status, 401);
      assert.equal((await login(' RL-Target@Example.com ', 'guess two', '192.0.2.2')).status, 401);
      const refused = await login('rl-target@example.com', PASSWORD, '192.0.2.3');
      assert.equal(refused.status, 429);
      assert.match(refused.headers.get('ratelimit')!, /"sign-in-account";r=0;/);
      assert.equal(await problemCode(refused), 'HTTP_RATE_LIMITED');

      // Another account from the same address is not affected.
      assert.equal((await login('rl-other@example.com', 'whatever', '192.0.2.3')).status, 401);

      // The MFA step is counted per challenge: guessing codes for one runs out.
      const mfa = (address: string) =>
        api.call('/api/v1/auth/login/mfa', {
          method: 'POST',
          json: { mfaToken: 'mfa_the-same-challenge', code: '000000' },
          headers: from(address),
        });
      for (const address of ['192.0.2.10', '192.0.2.11', '192.0.2.12']) {
        assert.notEqual((await mfa(address)).status, 429);
      }
      assert.equal((await mfa('192.0.2.13')).status, 429);
    });

    test('RATE_LIMIT_ENABLED=false: no limits, no fields', async () => {
      const { api } = await start({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_IP_LIMIT: '1' });
      for (let i = 0; i < 3; i++) {
        const res = await api.call('/api/v1/products/1');
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit'), null);
      }
    });
  });
}

describe('rate limits shared through Redis', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();

  after(() => removeKeys(keyPrefix));

  test('two instances with one REDIS_URL and prefix share one limit', async () => {
    const env = {
      ...LIMITED,
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: `${keyPrefix}shared:`,
      RATE_LIMIT_IP_LIMIT: '4',
    };
    const [one, two] = await Promise.all([startService({ env }), startService({ env })]);
    try {
      const product = (service: StartedService) =>
        fetch(`${service.url}/api/v1/products/1`, { headers: from('203.0.113.99') });
      const remaining = [];
      for (const service of [one, two, one, two]) {
        const res = await product(service);
        assert.equal(res.status, 200);
        remaining.push(/r=(\d+)/.exec(res.headers.get('ratelimit')!)![1]);
      }
      assert.deepEqual(remaining, ['3', '2', '1', '0']);
      assert.equal((await product(one)).status, 429);
      assert.equal((await product(two)).status, 429);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  test('Redis down: ordinary traffic goes through, sign-in answers 503; both recover', async () => {
    const proxy = await startTcpProxy(redisTarget());
    const { logger, records } = captureLogger('info');
    const service = await startService({
      logger,
      env: {
        ...LIMITED,
        REDIS_URL: redisUrlVia(proxy.port),
        REDIS_KEY_PREFIX: `${keyPrefix}outage:`,
      },
    });
    const api = apiClient(service.url);
    const product = () => api.call('/api/v1/products/1');
    const login = () =>
      api.call('/api/v1/auth/login', {
        method: 'POST',
        json: { email: 'rl-outage@example.com', password: 'not the password' },
      });
    try {
      const before = await product();
      assert.equal(before.status, 200);
      assert.notEqual(before.headers.get('ratelimit'), null);

      proxy.cut();
      for (let i = 0; i < 3; i++) {
        const res = await product();
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit'), null);
      }
      for (let i = 0; i < 2; i++) {
        const res = await login();
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('retry-after'), '5');
        assert.equal(await problemCode(res), 'HTTP_SERVICE_UNAVAILABLE');
      }
      const warnings = records.filter((record) => /rate limiter unavailable/.test(record.msg));
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      // Readiness reports the limiter's connection but stays 200: failing open
      // must not take the instance out of rotation.
      const ready = await api.call('/readyz');
      assert.equal(ready.status, 200);
      const report = (await ready.json()) as { checks: Record<string, { status: string }> };
      assert.equal(report.checks['rate-limit']?.status, 'failing');

      proxy.restore();
      await eventually(
        'the limiter answers again',
        async () => (await product()).headers.get('ratelimit') !== null,
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      // Sign-in also needs the shared-state connection (the lockout counters),
      // which reconnects on its own schedule (up to 2 s between attempts).
      await eventually('sign-in answers again', async () => (await login()).status === 401, {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      const recovered = records.filter((record) => /rate limiter recovered/.test(record.msg));
      assert.equal(recovered.length, 1, JSON.stringify(recovered));
      assert.ok(Number(recovered[0]!.affected) >= 5, JSON.stringify(recovered[0]));
    } finally {
      proxy.restore();
      await service.close();
      await proxy.close();
    }
  });
});
