// API keys end to end, over real HTTP, on both engines: the key is shown
// once and stored hashed; it authenticates as its owner through either
// header, with only its scopes and never more than the owner's role grants
// now; it cannot manage keys; revocation, expiry and the owner's deletion end
// it at once; other users' keys are invisible.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

interface ApiKeyBody {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

interface Problem {
  code: string;
  errors?: { field: string; in: string; code: string }[];
}

const KEY_SHAPE = /^tl_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

for (const engine of ENGINES) {
  describe(`API keys on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    const password = 'correct horse battery staple';

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const call = (
      path: string,
      init: RequestInit & { token?: string; apiKey?: string } = {},
    ): Promise<Response> =>
      fetch(`${service.url}${path}`, {
        ...init,
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
          ...(init.apiKey === undefined ? {} : { 'x-api-key': init.apiKey }),
          ...(init.headers as Record<string, string> | undefined),
        },
      });

    /** A new customer, signed in: their id, email and access token. */
    const signUp = async (label: string) => {
      const email = `${label}-${randomUUID()}@example.com`;
      const registered = await call('/api/v1/auth/register', {
        method: 'POST',
        body: JSON.stringify({ email, password }),
      });
      assert.equal(registered.status, 201);
      const { id } = (await registered.json()) as { id: string };
      return { id, email, token: await logIn(email) };
    };
    const logIn = async (email: string) => {
      const res = await call('/api/v1/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email, password }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { accessToken: string }).accessToken;
    };
    const createKey = (token: string, body: Record<string, unknown>) =>
      call('/api/v1/me/api-keys', { method: 'POST', token, body: JSON.stringify(body) });
    /** Creates a key that must succeed; returns its body (with `key`). */
    const newKey = async (token: string, scopes: string[], extra: Record<string, unknown> = {}) => {
      const res = await createKey(token, { name: 'ci', scopes, ...extra });
      assert.equal(res.status, 201);
      const body = (await res.json()) as ApiKeyBody & { key: string };
      return body;
    };
    const listKeys = async (token: string) => {
      const res = await call('/api/v1/me/api-keys', { token });
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: ApiKeyBody[] }).data;
    };
    const problem = async (res: Response) => (await res.json()) as Problem;

    test('creation answers 201 + Location with the key once; lists and the DB never hold it', async () => {
      const ann = await signUp('ann');
      const res = await createKey(ann.token, {
        name: '  deploy bot ',
        scopes: ['profile:read', 'orders:read:own'],
        expiresInDays: 30,
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const created = (await res.json()) as ApiKeyBody & { key: string };
      assert.equal(res.headers.get('location'), `/api/v1/me/api-keys/${created.id}`);
      assert.match(created.key, KEY_SHAPE);
      assert.ok(created.key.startsWith(`tl_${created.prefix}_`));
      assert.equal(created.name, 'deploy bot');
      assert.deepEqual(created.scopes, ['profile:read', 'orders:read:own']);
      assert.equal(typeof created.id, 'string');
      assert.equal(created.lastUsedAt, null);
      assert.equal(created.revokedAt, null);
      const lifetime = Date.parse(created.expiresAt!) - Date.parse(created.createdAt);
      assert.equal(lifetime, 30 * 24 * 60 * 60 * 1000);
      assert.equal(new Date(created.createdAt).toISOString(), created.createdAt);

      const secret = created.key.slice(`tl_${created.prefix}_`.length);
      const listed = await call('/api/v1/me/api-keys', { token: ann.token });
      assert.equal(listed.headers.get('cache-control'), 'no-store');
      const text = await listed.text();
      assert.ok(!text.includes(secret), 'the list never shows the secret');
      const { data } = JSON.parse(text) as { data: Record<string, unknown>[] };
      assert.deepEqual(data, [
        {
          id: created.id,
          name: 'deploy bot',
          prefix: created.prefix,
          scopes: created.scopes,
          createdAt: created.createdAt,
          expiresAt: created.expiresAt,
          lastUsedAt: null,
          revokedAt: null,
        },
      ]);

      const row = await database.sql.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.user_id, ann.id);
      assert.equal(row.prefix, created.prefix);
      assert.equal(row.secret_hash, createHash('sha256').update(secret).digest('hex'));
      assert.ok(!JSON.stringify(row).includes(secret), 'no column holds the plaintext secret');

      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'details'])
        .where('target_type', '=', 'api_key')
        .where('target_id', '=', created.id)
        .execute();
      assert.deepEqual(audit, [
        {
          action: 'api_key.created',
          actor_id: ann.id,
          details: { prefix: created.prefix, scopes: created.scopes },
        },
      ]);
    });

    test('a key authenticates as its owner through Authorization: Bearer and X-API-Key', async () => {
      const bob = await signUp('bob');
      const { key } = await newKey(bob.token, ['profile:read']);
      for (const init of [{ token: key }, { apiKey: key }]) {
        const me = await call('/api/v1/me', init);
        assert.equal(me.status, 200);
        const body = (await me.json()) as { id: string; email: string };
        assert.equal(body.id, bob.id);
        assert.equal(body.email, bob.email);
      }
    });

    test('lastUsedAt is set on use, and written at most once a minute', async () => {
      const carol = await signUp('carol');
      const created = await newKey(carol.token, ['profile:read']);
      const startedAt = Date.now();
      assert.equal((await call('/api/v1/me', { apiKey: created.key })).status, 200);
      const [used] = await listKeys(carol.token);
      assert.ok(used?.lastUsedAt !== null && used?.lastUsedAt !== undefined);
      assert.ok(Date.parse(used.lastUsedAt) >= startedAt - 1000);
      assert.equal((await call('/api/v1/me', { apiKey: created.key })).status, 200);
      const [again] = await listKeys(carol.token);
      assert.equal(
        again?.lastUsedAt,
        used.lastUsedAt,
        'a second use within the minute writes nothing',
      );
    });

    test('a key without profile:write gets 403 on PATCH /me; with it, 200', async () => {
      const dana = await signUp('dana');
      const readOnly = await newKey(dana.token, ['profile:read']);
      const patch = { method: 'PATCH', body: JSON.stringify({ displayName: 'Dana' }) };
      const denied = await call('/api/v1/me', { ...patch, apiKey: readOnly.key });
      assert.equal(denied.status, 403);
      assert.equal((await problem(denied)).code, 'HTTP_FORBIDDEN');
      const writer = await newKey(dana.token, ['profile:write']);
      assert.equal((await call('/api/v1/me', { ...patch, apiKey: writer.key })).status, 200);
    });

    test('a key can neither create, list nor revoke keys (403), whatever its scopes', async () => {
      const erin = await signUp('erin');
      const { key, id } = await newKey(erin.token, [
        'profile:read',
        'profile:write',
        'orders:read:own',
        'orders:write:own',
      ]);
      const attempts = [
        createKey(key, { name: 'more', scopes: ['profile:read'] }),
        call('/api/v1/me/api-keys', { token: key }),
        call(`/api/v1/me/api-keys/${id}`, { method: 'DELETE', apiKey: key }),
      ];
      for (const res of await Promise.all(attempts)) {
        assert.equal(res.status, 403);
        assert.equal((await problem(res)).code, 'HTTP_FORBIDDEN');
      }
      assert.equal((await listKeys(erin.token)).length, 1);
    });

    test('revoking answers 204 and the key is 401 at once; revoking again is 204', async () => {
      const fay = await signUp('fay');
      const created = await newKey(fay.token, ['profile:read']);
      assert.equal((await call('/api/v1/me', { apiKey: created.key })).status, 200);
      const revoke = () =>
        call(`/api/v1/me/api-keys/${created.id}`, { method: 'DELETE', token: fay.token });
      assert.equal((await revoke()).status, 204);
      for (const init of [{ token: created.key }, { apiKey: created.key }]) {
        const res = await call('/api/v1/me', init);
        assert.equal(res.status, 401);
        assert.equal((await problem(res)).code, 'API_KEYS_INVALID');
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
      }
      assert.equal((await revoke()).status, 204);
      const [listed] = await listKeys(fay.token);
      assert.equal(typeof listed?.revokedAt, 'string');
      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select('action')
        .where('target_type', '=', 'api_key')
        .where('target_id', '=', created.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((entry) => entry.action),
        ['api_key.created', 'api_key.revoked'],
        'the idempotent repeat is not a second revocation',
      );
    });

    test("IDOR: another user's key and an unknown id are the same 404; neither is touched", async () => {
      const gus = await signUp('gus');
      const hal = await signUp('hal');
      const halKey = await newKey(hal.token, ['profile:read']);
      const theft = await call(`/api/v1/me/api-keys/${halKey.id}`, {
        method: 'DELETE',
        token: gus.token,
      });
      const unknown = await call('/api/v1/me/api-keys/999999999', {
        method: 'DELETE',
        token: gus.token,
      });
      assert.equal(theft.status, 404);
      assert.equal(unknown.status, 404);
      const [theftBody, unknownBody] = [await problem(theft), await problem(unknown)];
      assert.equal(theftBody.code, 'API_KEYS_NOT_FOUND');
      assert.equal(unknownBody.code, 'API_KEYS_NOT_FOUND');
      assert.deepEqual(await listKeys(gus.token), []);
      assert.equal((await call('/api/v1/me', { apiKey: halKey.key })).status, 200);
    });

    test('scopes outside the role, reserved scopes, repeats and empty lists are 422', async () => {
      const ivy = await signUp('ivy');
      const beyondRole = await createKey(ivy.token, {
        name: 'too much',
        scopes: ['profile:read', 'users:read'],
      });
      assert.equal(beyondRole.status, 422);
      const body = await problem(beyondRole);
      assert.equal(body.code, 'API_KEYS_SCOPE_NOT_ALLOWED');
      assert.deepEqual(body.errors, [
        {
          field: 'scopes.1',
          in: 'body',
          code: 'not_granted',
          message: 'is not granted to you',
        },
      ]);

      const invalid = {
        'credentials:manage': { scopes: ['credentials:manage'] },
        'unknown scope': { scopes: ['root'] },
        repeated: { scopes: ['profile:read', 'profile:read'] },
        empty: { scopes: [] },
        'no name': { name: '', scopes: ['profile:read'] },
        'lifetime too long': { scopes: ['profile:read'], expiresInDays: 366 },
        'zero lifetime': { scopes: ['profile:read'], expiresInDays: 0 },
      };
      for (const [name, overrides] of Object.entries(invalid)) {
        const res = await createKey(ivy.token, { name: 'k', ...overrides });
        assert.equal(res.status, 422, name);
        const found = await problem(res);
        assert.equal(found.code, 'HTTP_VALIDATION_FAILED', name);
        assert.ok((found.errors ?? []).length > 0, name);
      }
      assert.deepEqual(await listKeys(ivy.token), [], 'nothing was created');
    });

    test('an expired key is 401', async () => {
      const jo = await signUp('jo');
      const created = await newKey(jo.token, ['profile:read'], { expiresInDays: 1 });
      assert.equal((await call('/api/v1/me', { apiKey: created.key })).status, 200);
      await database.sql.db
        .updateTable('api_keys')
        .set({ expires_at: new Date(Date.now() - 60_000) })
        .where('id', '=', created.id)
        .execute();
      const res = await call('/api/v1/me', { apiKey: created.key });
      assert.equal(res.status, 401);
      assert.equal((await problem(res)).code, 'API_KEYS_INVALID');
    });

    test('demoting the owner strips an admin scope from their keys at once', async () => {
      const kim = await signUp('kim');
      await database.sql.db
        .updateTable('users')
        .set({ role: 'admin' })
        .where('id', '=', kim.id)
        .execute();
      const adminToken = await logIn(kim.email);
      const { key } = await newKey(adminToken, ['users:read', 'profile:read']);
      assert.equal((await call('/api/v1/admin/users?limit=1', { apiKey: key })).status, 200);

      await database.sql.db
        .updateTable('users')
        .set({ role: 'customer' })
        .where('id', '=', kim.id)
        .execute();
      const denied = await call('/api/v1/admin/users?limit=1', { apiKey: key });
      assert.equal(denied.status, 403);
      assert.equal((await problem(denied)).code, 'HTTP_FORBIDDEN');
      // What the role still grants keeps working.
      assert.equal((await call('/api/v1/me', { apiKey: key })).status, 200);
    });

    test("a deleted owner's keys are 401", async () => {
      const lee = await signUp('lee');
      const { key } = await newKey(lee.token, ['profile:read']);
      await database.sql.db
        .updateTable('users')
        .set({ deleted_at: new Date() })
        .where('id', '=', lee.id)
        .execute();
      const res = await call('/api/v1/me', { apiKey: key });
      assert.equal(res.status, 401);
      assert.equal((await problem(res)).code, 'API_KEYS_INVALID');
    });

    test('malformed, unknown and tampered keys are all the same 401', async () => {
      const max = await signUp('max');
      const { key, prefix } = await newKey(max.token, ['profile:read']);
      const last = key.at(-1) === 'A' ? 'B' : 'A';
      const bad = {
        'too short': 'tl_nope',
        'upper-case prefix': key.replace(prefix, prefix.toUpperCase().replace(/^./, 'Z')),
        'extra character': `${key}A`,
        'unknown prefix': `tl_${'0'.repeat(12)}_${key.slice(16)}`,
        'tampered secret': `${key.slice(0, -1)}${last}`,
      };
      for (const [name, value] of Object.entries(bad)) {
        for (const init of [{ token: value }, { apiKey: value }]) {
          const res = await call('/api/v1/me', init);
          assert.equal(res.status, 401, name);
          const body = (await res.json()) as Problem & { detail?: string };
          assert.equal(body.code, 'API_KEYS_INVALID', name);
          assert.equal(body.detail, undefined, `${name}: nothing says which check failed`);
        }
      }
      // The control: the genuine key works.
      assert.equal((await call('/api/v1/me', { apiKey: key })).status, 200);
    });
  });
}
