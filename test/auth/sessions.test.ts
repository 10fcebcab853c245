// Browser sessions over real HTTP, with the SQL store on both engines and
// the Redis store (REDIS_URL): the cookie's attributes, CSRF defences (Origin
// plus token) on cookie-authenticated unsafe requests only, sign-out, idle
// and absolute expiry, what the store keeps, and the changes that end
// sessions — role change, deletion, password reset, and a password change,
// which keeps the caller's. Then, on Redis, what a cookie request gets while
// Redis is down.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import { createRedisKeyValueStore } from '../../src/adapters/kv/redis.ts';
import type { RedisConnection } from '../../src/adapters/redis/client.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { kvSessionKeys } from '../../src/modules/auth/kv-session-store.ts';
import { eventually } from '../support/eventually.ts';
import type { KeyValueStore } from '../../src/ports/kv.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type Engine, type EngineDatabase } from '../support/engines.ts';
import {
  openConnection,
  REDIS_URL,
  redisSkip,
  redisTarget,
  redisUrlVia,
  removeKeys,
  uniquePrefix,
} from '../support/redis.ts';
import { startService, type StartedService } from '../support/start.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a much better passphrase 2';

interface Leg {
  readonly name: string;
  readonly store: 'sql' | 'redis';
  readonly engine: Engine;
  readonly skip: string | false;
}

const pglite = ENGINES.find((engine) => engine.name === 'pglite')!;
const LEGS: readonly Leg[] = [
  ...ENGINES.map((engine) => ({
    name: `${engine.name}, SQL store`,
    store: 'sql' as const,
    engine,
    skip: engine.skip,
  })),
  { name: 'pglite, Redis store', store: 'redis', engine: pglite, skip: redisSkip },
];

for (const leg of LEGS) {
  describe(`browser sessions on ${leg.name}`, { skip: leg.skip }, () => {
    const keyPrefix = uniquePrefix();
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    /** The service's sessions as Redis holds them (Redis leg only). */
    let redis: { connection: RedisConnection; kv: KeyValueStore } | undefined;

    before(async () => {
      database = await leg.engine.open();
      service = await startService({
        sql: database.sql,
        env: {
          CORS_ORIGINS: 'https://shop.example',
          CORS_CREDENTIALS: 'true',
          ...(leg.store === 'redis' ? { REDIS_URL: REDIS_URL!, REDIS_KEY_PREFIX: keyPrefix } : {}),
        },
      });
      api = apiClient(service.url);
      if (leg.store === 'redis') {
        const connection = await openConnection();
        redis = { connection, kv: createRedisKeyValueStore({ connection, keyPrefix }) };
      }
    });

    after(async () => {
      await service.close();
      await database.close();
      if (redis !== undefined) {
        await redis.connection.close();
        await removeKeys(keyPrefix);
      }
    });

    /** Registers a user and signs a browser in: the cookie pair and the CSRF token. */
    async function signIn(email: string) {
      await api.register(email, PASSWORD);
      return startBrowser(email);
    }

    /** Signs a browser in as an existing user. */
    async function startBrowser(email: string, password = PASSWORD) {
      const res = await api.call('/api/v1/auth/session', {
        method: 'POST',
        json: { email, password },
        headers: { origin: service.url },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const setCookie = res.headers.getSetCookie();
      assert.equal(setCookie.length, 1);
      const cookie = setCookie[0]!.split(';')[0]!;
      const body = (await res.json()) as { csrfToken: string; expiresAt: string };
      return { cookie, csrfToken: body.csrfToken, setCookie: setCookie[0]!, body };
    }

    const patchMe = (headers: Record<string, string>) =>
      api.call('/api/v1/me', { method: 'PATCH', json: { displayName: 'Changed' }, headers });

    test('sign-in sets a __Host- cookie that is HttpOnly, Secure and SameSite=Lax', async () => {
      const { setCookie, body } = await signIn('cookie-attrs@example.com');
      assert.match(setCookie, /^__Host-session=[A-Za-z0-9_-]{43};/);
      const attributes = setCookie.split(';').map((part) => part.trim().toLowerCase());
      for (const expected of ['path=/', 'httponly', 'secure', 'samesite=lax']) {
        assert.ok(attributes.includes(expected), `${expected} in ${setCookie}`);
      }
      assert.ok(!attributes.some((part) => part.startsWith('domain=')));
      assert.ok(Date.parse(body.expiresAt) > Date.now());
    });

    test('the cookie authenticates safe requests without a CSRF token', async () => {
      const { cookie } = await signIn('cookie-get@example.com');
      const res = await api.call('/api/v1/me', { headers: { cookie } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { email: string }).email, 'cookie-get@example.com');
    });

    test('unsafe cookie requests need our Origin and the CSRF token', async () => {
      const { cookie, csrfToken } = await signIn('cookie-csrf@example.com');
      const own = service.url;

      const noToken = await patchMe({ cookie, origin: own });
      assert.equal(noToken.status, 403);
      assert.equal(await problemCode(noToken), 'AUTH_CSRF_FAILED');

      const wrongToken = await patchMe({ cookie, origin: own, 'x-csrf-token': `${csrfToken}x` });
      assert.equal(wrongToken.status, 403);

      const otherSessionsToken = (await signIn('cookie-csrf-other@example.com')).csrfToken;
      const borrowed = await patchMe({ cookie, origin: own, 'x-csrf-token': otherSessionsToken });
      assert.equal(borrowed.status, 403, 'a token from another session does not fit');

      const foreign = await patchMe({
        cookie,
        origin: 'https://evil.example',
        'x-csrf-token': csrfToken,
      });
      assert.equal(foreign.status, 403);
      assert.match(((await foreign.json()) as { detail: string }).detail, /evil\.example/);

      const noOrigin = await patchMe({ cookie, 'x-csrf-token': csrfToken });
      assert.equal(noOrigin.status, 403, 'neither Origin nor Referer');

      const nullOrigin = await patchMe({ cookie, origin: 'null', 'x-csrf-token': csrfToken });
      assert.equal(nullOrigin.status, 403);

      const ok = await patchMe({ cookie, origin: own, 'x-csrf-token': csrfToken });
      assert.equal(ok.status, 200);

      const viaReferer = await patchMe({
        cookie,
        referer: `${own}/account/settings`,
        'x-csrf-token': csrfToken,
      });
      assert.equal(viaReferer.status, 200);

      const corsOrigin = await patchMe({
        cookie,
        origin: 'https://shop.example',
        'x-csrf-token': csrfToken,
      });
      assert.equal(corsOrigin.status, 200, 'a configured CORS origin is trusted');
    });

    test('bearer-authenticated requests are not subject to CSRF checks', async () => {
      await api.register('bearer-no-csrf@example.com', PASSWORD);
      const { accessToken } = await api.login('bearer-no-csrf@example.com', PASSWORD);
      const res = await api.call('/api/v1/me', {
        method: 'PATCH',
        token: accessToken,
        json: { displayName: 'Bearer' },
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(res.status, 200);
    });

    test('sign-in from a foreign origin is refused (login CSRF)', async () => {
      await api.register('login-csrf@example.com', PASSWORD);
      const res = await api.call('/api/v1/auth/session', {
        method: 'POST',
        json: { email: 'login-csrf@example.com', password: PASSWORD },
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(res.status, 403);
      assert.equal(res.headers.getSetCookie().length, 0);
    });

    test('GET /auth/session returns the same CSRF token; bearer callers get 404', async () => {
      const { cookie, csrfToken, body } = await signIn('session-info@example.com');
      const res = await api.call('/api/v1/auth/session', { headers: { cookie } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await res.json(), { csrfToken, expiresAt: body.expiresAt });

      const { accessToken } = await api.login('session-info@example.com', PASSWORD);
      const bearer = await api.call('/api/v1/auth/session', { token: accessToken });
      assert.equal(bearer.status, 404);
    });

    test('sign-out revokes the session and clears the cookie; a stale cookie is anonymous', async () => {
      const { cookie, csrfToken } = await signIn('sign-out@example.com');
      const withoutToken = await api.call('/api/v1/auth/session', {
        method: 'DELETE',
        headers: { cookie, origin: service.url },
      });
      assert.equal(withoutToken.status, 403, 'sign-out is an unsafe request too');

      const res = await api.call('/api/v1/auth/session', {
        method: 'DELETE',
        headers: { cookie, origin: service.url, 'x-csrf-token': csrfToken },
      });
      assert.equal(res.status, 204);
      assert.match(res.headers.getSetCookie()[0]!, /^__Host-session=; .*Max-Age=0/);

      assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);
      // The stale cookie must not get in the way of signing in again.
      const again = await api.call('/api/v1/auth/session', {
        method: 'POST',
        json: { email: 'sign-out@example.com', password: PASSWORD },
        headers: { cookie, origin: service.url },
      });
      assert.equal(again.status, 201);
    });

    const onlySql = leg.store !== 'sql' && 'reads the sessions table';
    const onlyRedis = leg.store !== 'redis' && 'reads the Redis keys';

    test(
      'the database holds only a hash of the cookie; idle and absolute expiry end it',
      { skip: onlySql },
      async () => {
        const { cookie } = await signIn('session-expiry@example.com');
        const token = cookie.split('=')[1]!;
        const hash = createHash('sha256').update(token).digest('hex');
        const rows = await database.sql.db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select(['sessions.id', 'sessions.token_hash'])
          .where('users.email', '=', 'session-expiry@example.com')
          .execute();
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.token_hash, hash);
        assert.notEqual(rows[0]!.token_hash, token);

        assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 200);
        const idle = new Date(Date.now() - 2 * 86_400_000);
        await database.sql.db
          .updateTable('sessions')
          .set({ last_seen_at: idle })
          .where('id', '=', rows[0]!.id)
          .execute();
        assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);

        const fresh = await signIn('session-expiry-2@example.com');
        const freshHash = createHash('sha256').update(fresh.cookie.split('=')[1]!).digest('hex');
        // Moved back in time as a whole: the row must keep expires_at > created_at.
        await sql`update sessions set created_at = now() - interval '8 days',
                expires_at = now() - interval '1 day' where token_hash = ${freshHash}`.execute(
          database.sql.db,
        );
        assert.equal(
          (await api.call('/api/v1/me', { headers: { cookie: fresh.cookie } })).status,
          401,
        );
      },
    );

    test('a request carrying a bad bearer token and a good cookie is refused', async () => {
      const { cookie } = await signIn('mixed-credentials@example.com');
      const res = await api.call('/api/v1/me', { token: 'not-a-token', headers: { cookie } });
      assert.equal(res.status, 401, 'the bearer credential is the one looked at');
    });

    test(
      'Redis holds only a hash of the cookie; idle and absolute expiry end it',
      { skip: onlyRedis },
      async () => {
        const { kv, connection } = redis!;
        const { cookie } = await signIn('redis-expiry@example.com');
        const token = cookie.split('=')[1]!;
        const key = kvSessionKeys.token(createHash('sha256').update(token).digest('hex'));
        const stored = JSON.parse((await kv.get(key))!) as Record<string, unknown>;
        const [, names] = await connection.client.scan(
          '0',
          'MATCH',
          `${keyPrefix}session:*`,
          'COUNT',
          1000,
        );
        assert.ok(names.length > 0);
        for (const name of names) {
          assert.ok(!name.includes(token), name);
          const value = await connection.client.get(name);
          assert.ok(!(value ?? '').includes(token), `${name} holds the token`);
        }

        assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 200);
        const idle = { ...stored, lastSeenAt: Date.now() - 2 * 86_400_000 };
        await kv.set(key, JSON.stringify(idle), { ttlMs: 60_000 });
        assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);

        const fresh = await signIn('redis-expiry-2@example.com');
        const freshKey = kvSessionKeys.token(
          createHash('sha256').update(fresh.cookie.split('=')[1]!).digest('hex'),
        );
        const freshStored = JSON.parse((await kv.get(freshKey))!) as Record<string, unknown>;
        const expired = { ...freshStored, expiresAt: Date.now() - 1000 };
        await kv.set(freshKey, JSON.stringify(expired), { ttlMs: 60_000 });
        assert.equal(
          (await api.call('/api/v1/me', { headers: { cookie: fresh.cookie } })).status,
          401,
        );
      },
    );

    const adminToken = async () =>
      (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
    const idOf = async (cookie: string) =>
      ((await (await api.call('/api/v1/me', { headers: { cookie } })).json()) as { id: string }).id;

    test('a role change ends the browser session; the next one carries the new role', async () => {
      const email = 'browser-promoted@example.com';
      const { cookie } = await signIn(email);
      const id = await idOf(cookie);
      assert.equal((await api.call('/api/v1/admin/users', { headers: { cookie } })).status, 403);

      const res = await api.call(`/api/v1/admin/users/${id}/role`, {
        method: 'PUT',
        token: await adminToken(),
        json: { role: 'admin' },
      });
      assert.equal(res.status, 200);
      assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);

      const again = await startBrowser(email);
      const list = await api.call('/api/v1/admin/users', { headers: { cookie: again.cookie } });
      assert.equal(list.status, 200);
    });

    test('deleting a user ends their browser sessions', async () => {
      const { cookie } = await signIn('browser-deleted@example.com');
      const id = await idOf(cookie);
      const res = await api.call(`/api/v1/admin/users/${id}`, {
        method: 'DELETE',
        token: await adminToken(),
      });
      assert.equal(res.status, 204);
      assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);
    });

    test('a password change through the session keeps it and ends the others', async () => {
      const email = 'browser-changer@example.com';
      const here = await signIn(email);
      const elsewhere = await startBrowser(email);
      const res = await api.call('/api/v1/me/password', {
        method: 'POST',
        json: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
        headers: { cookie: here.cookie, origin: service.url, 'x-csrf-token': here.csrfToken },
      });
      assert.equal(res.status, 204, await res.clone().text());
      assert.equal(
        (await api.call('/api/v1/me', { headers: { cookie: here.cookie } })).status,
        200,
      );
      assert.equal(
        (await api.call('/api/v1/me', { headers: { cookie: elsewhere.cookie } })).status,
        401,
      );
      await startBrowser(email, NEW_PASSWORD);
    });

    test('a password reset ends every browser session', async () => {
      const email = 'browser-reset@example.com';
      const { cookie } = await signIn(email);
      const forgot = await api.call('/api/v1/auth/password/forgot', {
        method: 'POST',
        json: { email },
      });
      assert.equal(forgot.status, 202);
      await service.background.idle();
      const mail = (await listOutbox(join(service.dataDir, 'mail'))).find(
        (stored) => stored.to === email && stored.subject === 'Reset your password',
      );
      const token = /token=([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
      assert.ok(token !== undefined, 'a reset link was mailed');
      const reset = await api.call('/api/v1/auth/password/reset', {
        method: 'POST',
        json: { token, password: NEW_PASSWORD },
      });
      assert.equal(reset.status, 204);
      assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);
    });
  });
}

describe('browser sessions while Redis is down', { skip: redisSkip }, () => {
  const keyPrefix = uniquePrefix();
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let service: StartedService;
  let api: ApiClient;

  before(async () => {
    proxy = await startTcpProxy(redisTarget());
    service = await startService({
      env: {
        REDIS_URL: redisUrlVia(proxy.port),
        REDIS_KEY_PREFIX: keyPrefix,
        REDIS_COMMAND_TIMEOUT_MS: '500',
      },
    });
    api = apiClient(service.url);
  });

  after(async () => {
    proxy.restore();
    await service.close();
    await proxy.close();
    await removeKeys(keyPrefix);
  });

  /**
   * A new user with a browser session (its cookie) and an access token.
   * Sign-in fails closed (503) when its limiter's Redis command times out,
   * which a loaded machine can cause with this suite's short timeout: retry
   * until Redis answers in time.
   */
  const registerAndSignIn = async (email: string) => {
    const user = await api.register(email, PASSWORD);
    let cookie: string | undefined;
    let accessToken: string | undefined;
    await eventually(
      'sign-in answers while Redis is up',
      async () => {
        if (cookie === undefined) {
          const signIn = await api.call('/api/v1/auth/session', {
            method: 'POST',
            json: { email, password: PASSWORD },
            headers: { origin: service.url },
          });
          if (signIn.status === 503) return false;
          assert.equal(signIn.status, 201);
          cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
        }
        const login = await api.call('/api/v1/auth/login', {
          method: 'POST',
          json: { email, password: PASSWORD },
        });
        if (login.status === 503) return false;
        assert.equal(login.status, 200);
        accessToken = ((await login.json()) as { accessToken: string }).accessToken;
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    return { id: user.id, cookie: cookie!, accessToken: accessToken! };
  };

  test('a cookie request answers 503 (not anonymous); other requests are unaffected', async () => {
    const { cookie, accessToken } = await registerAndSignIn('redis-down@example.com');

    proxy.cut();
    try {
      const res = await api.call('/api/v1/me', { headers: { cookie } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(await problemCode(res), 'REDIS_UNAVAILABLE');
      assert.equal((await api.call('/api/v1/me', { token: accessToken })).status, 200);
      assert.equal((await api.call('/api/v1/me')).status, 401, 'no cookie: anonymous as ever');
    } finally {
      proxy.restore();
    }
    // The session survived the outage: it works again once Redis is back.
    await eventually(
      'the cookie works again',
      async () => (await api.call('/api/v1/me', { headers: { cookie } })).status === 200,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  });

  test('a role change while Redis is down succeeds; its sign-out lands once Redis is back', async () => {
    // Sign-in fails closed while its limiter's Redis connection is still
    // reconnecting from the previous case's outage: wait until it answers.
    let admin: { accessToken: string } | undefined;
    await eventually(
      'sign-in works again',
      async () => {
        const res = await api.call('/api/v1/auth/login', {
          method: 'POST',
          json: { email: DEMO_ACCOUNTS.admin.email, password: DEMO_ACCOUNTS.admin.password },
        });
        if (res.status === 200) admin = (await res.json()) as { accessToken: string };
        return admin !== undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    assert.ok(admin);
    const user = await registerAndSignIn('redis-down-role@example.com');
    const { cookie } = user;

    proxy.cut();
    try {
      const change = await api.call(`/api/v1/admin/users/${user.id}/role`, {
        method: 'PUT',
        token: admin.accessToken,
        json: { role: 'editor' },
      });
      // Committed, and the sign-out with it: no 503 for a change that happened.
      assert.equal(change.status, 200);
    } finally {
      proxy.restore();
    }
    // The sign-out's job retries until the session store answers again.
    await eventually(
      'the browser session ends',
      async () => (await api.call('/api/v1/me', { headers: { cookie } })).status === 401,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // The job forgets the sign-out once it has ended the sessions: a step after the one above.
    await eventually(
      'the finished sign-out is forgotten',
      async () =>
        (await service.sql.db.selectFrom('session_revocations').select('id').execute()).length ===
        0,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  });
});
