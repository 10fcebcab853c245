// The rate-limit middleware on a bare App over real HTTP: the IETF RateLimit
// fields on every counted response (one list member per policy), the 429
// problem with Retry-After, requests without a key left alone, and what a
// limiter whose backend is down does under `open` and `closed` — a real
// Redis client pointed at a port where nothing listens.

import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createMemoryRateLimiter } from '../../src/adapters/rate-limiter/memory.ts';
import { createRedisRateLimiter } from '../../src/adapters/rate-limiter/redis.ts';
import { createRedisConnection } from '../../src/adapters/redis/client.ts';
import { httpError } from '../../src/http/errors.ts';
import {
  clientNetwork,
  rateLimit,
  type RateLimitOptions,
} from '../../src/http/middleware/rate-limit/rate-limit.ts';
import type { RateLimitPolicy } from '../../src/ports/rate-limiter.ts';
import { serve } from '../http/harness.ts';
import { silentLogger } from '../support/start.ts';

const perMinute = (name: string, limit: number): RateLimitPolicy => ({
  name,
  algorithm: 'token-bucket',
  limit,
  windowMs: 60_000,
});

/** A limiter on a clock that never moves: every number in a header is exact. */
const frozenLimiter = () => createMemoryRateLimiter({ now: () => Date.UTC(2026, 0, 1) });

const byHeader = (options: Omit<RateLimitOptions<RateLimitPolicy>, 'key'>) =>
  rateLimit({ ...options, key: (c) => c.header('x-client') });

describe('rate-limit middleware', () => {
  test('counted responses carry RateLimit-Policy and RateLimit, one member per policy', async () => {
    const limiter = frozenLimiter();
    const harness = await serve((app) => {
      app.use(
        byHeader({ limiter, policy: perMinute('burst', 3), onLimiterError: 'open' }),
        byHeader({
          limiter,
          policy: { name: 'slow', algorithm: 'sliding-window', limit: 10, windowMs: 3_600_000 },
          onLimiterError: 'open',
          phase: 'authz',
        }),
      );
      app.get('/thing', () => ({ ok: true }), { auth: 'public' });
    });
    try {
      const res = await fetch(`${harness.url}/thing`, { headers: { 'x-client': 'a' } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), '"burst";q=3;w=60, "slow";q=10;w=3600');
      // One token back every 20 s; the window pair empties after its end and one more hour.
      const rate = res.headers.get('ratelimit')!;
      assert.match(rate, /^"burst";r=2;t=20, "slow";r=9;t=\d+$/);
      const slowReset = Number(/t=(\d+)$/.exec(rate)![1]);
      assert.ok(slowReset > 3600 && slowReset <= 7200, rate);
    } finally {
      await harness.close();
    }
  });

  test('beyond the limit: 429 problem+json with Retry-After, and the handler never runs', async () => {
    let handled = 0;
    const limit = byHeader({
      limiter: frozenLimiter(),
      policy: perMinute('api', 2),
      onLimiterError: 'open',
    });
    const harness = await serve((app) => {
      app.use(limit);
      app.get(
        '/thing',
        () => {
          handled += 1;
          return { ok: true };
        },
        { auth: 'public' },
      );
    });
    try {
      const call = () => fetch(`${harness.url}/thing`, { headers: { 'x-client': 'a' } });
      assert.equal((await call()).status, 200);
      assert.equal((await call()).status, 200);
      const refused = await call();
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '30');
      assert.match(refused.headers.get('content-type')!, /^application\/problem\+json/);
      assert.equal(refused.headers.get('ratelimit'), '"api";r=0;t=60');
      assert.equal(refused.headers.get('ratelimit-policy'), '"api";q=2;w=60');
      const problem = (await refused.json()) as Record<string, unknown>;
      assert.equal(problem.code, 'HTTP_RATE_LIMITED');
      assert.equal(problem.status, 429);
      assert.match(String(problem.detail), /"api" exceeded; retry in 30 s/);
      assert.equal(handled, 2);
      // What rate_limit_decisions_total reports.
      assert.deepEqual(limit.counters, { allowed: 2, limited: 1, failedOpen: 0, failedClosed: 0 });

      // Another key has its own budget.
      const other = await fetch(`${harness.url}/thing`, { headers: { 'x-client': 'b' } });
      assert.equal(other.status, 200);
    } finally {
      await harness.close();
    }
  });

  test('a request without a key is not counted and carries no RateLimit fields', async () => {
    const harness = await serve((app) => {
      app.use(
        byHeader({ limiter: frozenLimiter(), policy: perMinute('api', 1), onLimiterError: 'open' }),
      );
      app.get('/thing', () => ({ ok: true }), { auth: 'public' });
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${harness.url}/thing`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit'), null);
        assert.equal(res.headers.get('ratelimit-policy'), null);
      }
    } finally {
      await harness.close();
    }
  });

  test('errors from inner layers keep the fields (the request was counted)', async () => {
    const harness = await serve((app) => {
      app.use(
        byHeader({ limiter: frozenLimiter(), policy: perMinute('api', 5), onLimiterError: 'open' }),
      );
      app.get(
        '/missing',
        () => {
          throw httpError('HTTP_NOT_FOUND');
        },
        { auth: 'public' },
      );
    });
    try {
      const res = await fetch(`${harness.url}/missing`, { headers: { 'x-client': 'a' } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('ratelimit'), '"api";r=4;t=12');
    } finally {
      await harness.close();
    }
  });

  test('a limiter whose backend is down: open lets requests through, closed answers 503', async () => {
    const connection = createRedisConnection({
      url: `redis://127.0.0.1:${await closedPort()}`,
      logger: silentLogger(),
      name: 'nowhere',
    });
    const limiter = createRedisRateLimiter({ connection });
    const open = byHeader({ limiter, policy: perMinute('open', 5), onLimiterError: 'open' });
    const closed = byHeader({ limiter, policy: perMinute('closed', 5), onLimiterError: 'closed' });
    const harness = await serve((app) => {
      app.get('/open', () => ({ ok: true }), { auth: 'public', middleware: [open] });
      app.get('/closed', () => ({ ok: true }), { auth: 'public', middleware: [closed] });
    });
    try {
      const headers = { 'x-client': 'a' };
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${harness.url}/open`, { headers });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('ratelimit'), null);
      }
      const refused = await fetch(`${harness.url}/closed`, { headers });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.equal(((await refused.json()) as { code: string }).code, 'HTTP_SERVICE_UNAVAILABLE');

      assert.deepEqual(open.counters, { allowed: 0, limited: 0, failedOpen: 3, failedClosed: 0 });
      assert.deepEqual(closed.counters, { allowed: 0, limited: 0, failedOpen: 0, failedClosed: 1 });
      // One outage, one line, however many requests and policies it hit.
      const lines = harness.logs.filter((record) => /rate limiter unavailable/.test(record.msg));
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]!.level, 'warn');
    } finally {
      await harness.close();
      await connection.close();
    }
  });

  test('a policy no limiter can enforce is refused at start-up', () => {
    assert.throws(
      () =>
        byHeader({
          limiter: frozenLimiter(),
          policy: perMinute('bad name', 1),
          onLimiterError: 'open',
        }),
      RangeError,
    );
    assert.throws(
      () =>
        byHeader({
          limiter: frozenLimiter(),
          policy: perMinute('zero', 0),
          onLimiterError: 'open',
        }),
      RangeError,
    );
  });
});

describe('clientNetwork', () => {
  test('IPv4 addresses count alone, IPv6 addresses by their /64', () => {
    assert.equal(clientNetwork('203.0.113.7'), '203.0.113.7');
    assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.7');
    assert.equal(clientNetwork('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:db8:1:2::1'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:DB8:0001:0002::FFFF'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientNetwork('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(clientNetwork('::1'), '0:0:0:0::/64');
  });
});

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
