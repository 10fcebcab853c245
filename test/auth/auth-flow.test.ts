// The trust module end to end, over real HTTP, on both engines: registration,
// login, refresh rotation with reuse detection, logout, forged tokens,
// brute-force lockout, IDOR and RBAC, and the stored password hash.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { asTableOwner } from '../../src/modules/audit/testing.ts';
import { createPasswordHasher } from '../../src/modules/users/passwords.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { TEST_PASSWORD_HASH_COST } from '../support/passwords.ts';
import { startService, type StartedService } from '../support/start.ts';

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const ISSUER = 'throughline-test';
const AUDIENCE = 'throughline-api-test';

async function signingKey(): Promise<{ jwk: JWK; privateKey: PrivateKey }> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'EdDSA' };
  return { jwk, privateKey };
}

for (const engine of ENGINES) {
  describe(`authentication on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let key: { jwk: JWK; privateKey: PrivateKey };
    const password = 'correct horse battery staple';

    before(async () => {
      key = await signingKey();
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: {
          JWT_SIGNING_KEYS: JSON.stringify([key.jwk]),
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: AUDIENCE,
          LOGIN_MAX_FAILURES: '3',
        },
      });
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const call = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${service.url}${path}`, {
        ...init,
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    const register = (email: string, pw = password) =>
      call('/api/v1/auth/register', {
        method: 'POST',
        body: JSON.stringify({ email, password: pw }),
      });
    const login = (email: string, pw = password) =>
      call('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password: pw }) });
    const code = async (res: Response) => ((await res.json()) as { code: string }).code;

    test('registration normalises the email, answers 201 + Location, never returns the hash', async () => {
      const res = await register('  Ann@Example.COM ');
      assert.equal(res.status, 201);
      const user = (await res.json()) as Record<string, unknown>;
      assert.equal(user.email, 'ann@example.com');
      assert.equal(res.headers.get('location'), `/api/v1/users/${String(user.id)}`);
      assert.equal(user.role, 'customer');
      assert.doesNotMatch(JSON.stringify(user), /argon2|password/i);
    });

    const storedHash = async (email: string) =>
      (
        await database.sql.db
          .selectFrom('users')
          .select('password_hash')
          .where('email', '=', email)
          .executeTakeFirstOrThrow()
      ).password_hash;
    // The suites run with a small cost (test/support/passwords.ts); the
    // production default is checked in src/modules/users/passwords.test.ts.
    const configuredParameters = [
      `m=${TEST_PASSWORD_HASH_COST.memoryKib}`,
      'p=1',
      `t=${TEST_PASSWORD_HASH_COST.timeCost}`,
    ];

    test('the stored hash is argon2id with the configured cost and p=1', async () => {
      const [, algorithm, version, parameters] = (await storedHash('ann@example.com')).split('$');
      assert.equal(algorithm, 'argon2id');
      assert.equal(version, 'v=19');
      assert.deepEqual(parameters!.split(',').sort(), configuredParameters);
    });

    test('a hash made with another cost is upgraded at the next sign-in', async () => {
      assert.equal((await register('rehash@example.com')).status, 201);
      const older = createPasswordHasher({ cost: { memoryKib: 2048, timeCost: 2 } });
      const oldHash = await older.hash(password);
      await database.sql.db
        .updateTable('users')
        .set({ password_hash: oldHash })
        .where('email', '=', 'rehash@example.com')
        .execute();
      // A wrong password changes nothing.
      assert.equal((await login('rehash@example.com', `${password}!`)).status, 401);
      assert.equal(await storedHash('rehash@example.com'), oldHash);

      assert.equal((await login('rehash@example.com')).status, 200);
      const upgraded = await storedHash('rehash@example.com');
      assert.notEqual(upgraded, oldHash);
      assert.deepEqual(upgraded.split('$')[3]!.split(',').sort(), configuredParameters);
      // The new hash is of the same password.
      assert.equal((await login('rehash@example.com')).status, 200);
      assert.equal(await storedHash('rehash@example.com'), upgraded);
    });

    test('a duplicate email is a 409, a weak password a 422 naming the rule', async () => {
      assert.equal(await code(await register('ann@example.com')), 'USERS_EMAIL_TAKEN');
      const weak = await register('bob@example.com', 'short');
      assert.equal(weak.status, 422);
      const problem = (await weak.json()) as { errors: { field: string; code: string }[] };
      assert.deepEqual(
        problem.errors.map((e) => `${e.field}:${e.code}`),
        ['password:too_short'],
      );
    });

    test('login → /me; refresh rotates; reusing a rotated token revokes the family', async () => {
      const first = (await (await login('ann@example.com')).json()) as Tokens;
      assert.ok(first.expiresIn > 0 && first.expiresIn <= 900);
      const me = await call('/api/v1/me', { token: first.accessToken });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { email: string }).email, 'ann@example.com');

      const refresh = (token: string) =>
        call('/api/v1/auth/refresh', {
          method: 'POST',
          body: JSON.stringify({ refreshToken: token }),
        });
      const rotated = await refresh(first.refreshToken);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.headers.get('cache-control'), 'no-store');
      const second = (await rotated.json()) as Tokens;
      assert.notEqual(second.refreshToken, first.refreshToken);

      const reuse = await refresh(first.refreshToken);
      assert.equal(reuse.status, 401);
      assert.equal(await code(reuse), 'AUTH_REFRESH_REUSED');
      // The thief's reuse killed the legitimate holder's newer token too.
      assert.equal(await code(await refresh(second.refreshToken)), 'AUTH_REFRESH_INVALID');
    });

    test('logout revokes the session: its refresh token stops working', async () => {
      const tokens = (await (await login('ann@example.com')).json()) as Tokens;
      const out = await call('/api/v1/auth/logout', { method: 'POST', token: tokens.accessToken });
      assert.equal(out.status, 204);
      const refreshed = await call('/api/v1/auth/refresh', {
        method: 'POST',
        body: JSON.stringify({ refreshToken: tokens.refreshToken }),
      });
      assert.equal(refreshed.status, 401);
    });

    test('forged and stale tokens are all 401', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: '1', role: 'admin', scope: 'users:read', sid: 'x' };
      const sign = (
        overrides: { iss?: string; aud?: string; iat?: number; exp?: number; kid?: string } = {},
        privateKey: PrivateKey = key.privateKey,
      ) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', kid: overrides.kid ?? 'test-key-1', typ: 'at+jwt' })
          .setIssuer(overrides.iss ?? ISSUER)
          .setAudience(overrides.aud ?? AUDIENCE)
          .setIssuedAt(overrides.iat ?? now)
          .setNotBefore(overrides.iat ?? now)
          .setJti(`jti-${Math.random()}`)
          .setExpirationTime(overrides.exp ?? now + 600)
          .sign(privateKey);
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = b64({ ...claims, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 600 });
      const { createHmac } = await import('node:crypto');
      const hsHeader = b64({ alg: 'HS256', kid: 'test-key-1', typ: 'at+jwt' });
      const publicX = String(key.jwk.x);
      const forged = {
        'alg none': `${b64({ alg: 'none', typ: 'at+jwt' })}.${payload}.`,
        'HS256 signed with the public key': `${hsHeader}.${payload}.${createHmac('sha256', publicX)
          .update(`${hsHeader}.${payload}`)
          .digest('base64url')}`,
        'unknown kid': await sign({ kid: 'attacker-key' }),
        "another key's signature": await sign({}, (await signingKey()).privateKey),
        expired: await sign({ iat: now - 3600, exp: now - 120 }),
        'wrong audience': await sign({ aud: 'someone-else' }),
        'wrong issuer': await sign({ iss: 'evil' }),
        garbage: 'not.a.jwt',
      };
      for (const [name, token] of Object.entries(forged)) {
        const res = await call('/api/v1/admin/users', { token });
        assert.equal(res.status, 401, name);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, name);
      }
      // The control: the same construction, correctly signed, is accepted.
      assert.equal((await call('/api/v1/admin/users', { token: await sign() })).status, 200);
    });

    test('IDOR: a customer reading another user gets 404; an admin gets the user', async () => {
      const dave = (await (await register('dave@example.com')).json()) as { id: string };
      const ann = (await (await login('ann@example.com')).json()) as Tokens;
      const peek = await call(`/api/v1/users/${dave.id}`, { token: ann.accessToken });
      assert.equal(peek.status, 404);
      assert.equal(await code(peek), 'USERS_NOT_FOUND');
      const admin = (await (
        await login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)
      ).json()) as Tokens;
      assert.equal(
        (await call(`/api/v1/users/${dave.id}`, { token: admin.accessToken })).status,
        200,
      );
    });

    test('RBAC: 401 anonymous, 403 customer, 200 admin; admins delete others, not themselves', async () => {
      assert.equal((await call('/api/v1/admin/users')).status, 401);
      const ann = (await (await login('ann@example.com')).json()) as Tokens;
      const denied = await call('/api/v1/admin/users', { token: ann.accessToken });
      assert.equal(denied.status, 403);
      const admin = (await (
        await login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)
      ).json()) as Tokens;
      const list = await call('/api/v1/admin/users?limit=2', { token: admin.accessToken });
      assert.equal(list.status, 200);
      const page = (await list.json()) as { data: { id: string }[]; meta: { hasMore: boolean } };
      assert.equal(page.data.length, 2);
      assert.equal(page.meta.hasMore, true);

      const erin = (await (await register('erin@example.com')).json()) as { id: string };
      const erinTokens = (await (await login('erin@example.com')).json()) as Tokens;
      const me = (await (await call('/api/v1/me', { token: admin.accessToken })).json()) as {
        id: string;
      };
      const self = await call(`/api/v1/admin/users/${me.id}`, {
        method: 'DELETE',
        token: admin.accessToken,
      });
      assert.equal(await code(self), 'USERS_CANNOT_DELETE_SELF');
      const removed = await call(`/api/v1/admin/users/${erin.id}`, {
        method: 'DELETE',
        token: admin.accessToken,
      });
      assert.equal(removed.status, 204);
      // Deleted: their sessions are gone and they cannot log in.
      const refreshed = await call('/api/v1/auth/refresh', {
        method: 'POST',
        body: JSON.stringify({ refreshToken: erinTokens.refreshToken }),
      });
      assert.equal(refreshed.status, 401);
      assert.equal(await code(await login('erin@example.com')), 'AUTH_INVALID_CREDENTIALS');
    });

    test('failed logins and admin actions are audited; editing a row breaks verification', async () => {
      const admin = (await (
        await login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)
      ).json()) as Tokens;
      const failed = await call('/api/v1/admin/audit?action=auth.login&limit=200', {
        token: admin.accessToken,
      });
      assert.equal(failed.status, 200);
      const page = (await failed.json()) as { data: { action: string; outcome: string }[] };
      assert.ok(page.data.some((entry) => entry.outcome === 'success'));
      const deletions = (await (
        await call('/api/v1/admin/audit?action=admin.user_deleted', { token: admin.accessToken })
      ).json()) as { data: { targetId: string }[] };
      assert.equal(deletions.data.length, 1);

      const intact = await call('/api/v1/admin/audit/verify', { token: admin.accessToken });
      assert.deepEqual(((await intact.json()) as { ok: boolean }).ok, true);
      // An attacker with database access edits history...
      const victim = await asTableOwner(database.sql, async (trx) => {
        const row = await trx
          .selectFrom('audit_log')
          .select('id')
          .where('action', '=', 'admin.user_deleted')
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('audit_log')
          .set({ actor_id: '999' } as never)
          .where('id', '=', row.id)
          .execute();
        return row.id;
      });
      // ...and verification names the row.
      const broken = (await (
        await call('/api/v1/admin/audit/verify', { token: admin.accessToken })
      ).json()) as { ok: boolean; brokenAt: string };
      assert.deepEqual(broken, { ok: false, brokenAt: victim, reason: 'hash-mismatch' });
      // Customers cannot read the audit log at all.
      const ann = (await (await login('ann@example.com')).json()) as Tokens;
      assert.equal((await call('/api/v1/admin/audit', { token: ann.accessToken })).status, 403);
    });

    test('brute force locks the account, with Retry-After, whether or not it exists', async () => {
      await register('carol@example.com');
      for (let attempt = 0; attempt < 3; attempt++) {
        assert.equal(
          await code(await login('carol@example.com', 'wrong password!!')),
          'AUTH_INVALID_CREDENTIALS',
        );
      }
      const locked = await login('carol@example.com', 'wrong password!!');
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      // Even the right password waits out the lock.
      assert.equal((await login('carol@example.com')).status, 429);
      // An unknown account is throttled the same way (nothing to enumerate).
      for (let attempt = 0; attempt < 3; attempt++) {
        assert.equal(
          await code(await login('nobody@example.com', 'whatever pw!!')),
          'AUTH_INVALID_CREDENTIALS',
        );
      }
      assert.equal((await login('nobody@example.com', 'whatever pw!!')).status, 429);
    });
  });
}
