// Browser sessions over real HTTP on both engines: the cookie's attributes,
// CSRF defences (Origin plus token) on cookie-authenticated unsafe requests
// only, sign-out, idle expiry, and what the database keeps.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

for (const engine of ENGINES) {
  describe(`browser sessions on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: { CORS_ORIGINS: 'https://shop.example', CORS_CREDENTIALS: 'true' },
      });
      api = apiClient(service.url);
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    /** Registers a user and signs a browser in: the cookie pair and the CSRF token. */
    async function signIn(email: string) {
      await api.register(email, PASSWORD);
      const res = await api.call('/api/v1/auth/session', {
        method: 'POST',
        json: { email, password: PASSWORD },
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

    test('the database holds only a hash of the cookie; idle and absolute expiry end it', async () => {
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
    });

    test('a request carrying a bad bearer token and a good cookie is refused', async () => {
      const { cookie } = await signIn('mixed-credentials@example.com');
      const res = await api.call('/api/v1/me', { token: 'not-a-token', headers: { cookie } });
      assert.equal(res.status, 401, 'the bearer credential is the one looked at');
    });
  });
}
