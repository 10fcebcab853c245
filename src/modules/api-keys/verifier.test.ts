// The verifier and the service against a real database on both engines, with
// an injected clock: the identity a key yields, the once-a-minute
// `last_used_at` write, the expiry boundary, and a failing bookkeeping write
// that must not fail the request.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, type EngineDatabase } from '../../../test/support/engines.ts';
import type { AuditEntry } from '../../ports/audit.ts';
import { permissionsOf, type Role } from '../users/rbac.ts';
import { createApiKeysService, type ApiKeysService } from './service.ts';
import { createApiKeyVerifier } from './verifier.ts';

const T0 = new Date('2030-01-01T00:00:00.000Z');

for (const engine of ENGINES) {
  describe(`API key verifier on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: ApiKeysService;
    let clock: Date;
    const audited: AuditEntry[] = [];
    const now = () => clock;

    before(async () => {
      database = await engine.open();
      service = createApiKeysService({
        sql: database.sql,
        now,
        audit: {
          record(entry) {
            audited.push(entry);
            return Promise.resolve();
          },
        },
      });
    });

    after(async () => {
      await database.close();
    });

    const owner = async (role: Role) => {
      const row = await database.sql.db
        .insertInto('users')
        .values({
          email: `${role}-${randomUUID()}@example.com`,
          password_hash: 'unused',
          role,
          email_verified_at: null,
          deleted_at: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: row.id, permissions: permissionsOf(role), ip: '203.0.113.7' };
    };
    const lastUsedAt = async (id: string) =>
      (
        await database.sql.db
          .selectFrom('api_keys')
          .select('last_used_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).last_used_at;

    test('the identity is the owner, narrowed to the key scopes, with role and key id', async () => {
      clock = T0;
      const actor = await owner('editor');
      const created = await service.create(actor, {
        name: 'ci',
        scopes: ['catalog:write', 'profile:read'],
      });
      const identity = await createApiKeyVerifier({ sql: database.sql, now })(created.key);
      assert.equal(identity.subject, actor.id);
      assert.equal(identity.method, 'api-key');
      assert.deepEqual([...identity.permissions].sort(), ['catalog:write', 'profile:read']);
      assert.deepEqual(identity.attributes, { role: 'editor', apiKeyId: created.id });
      const entry = audited.find((e) => e.targetId === created.id);
      assert.deepEqual(entry?.details, { prefix: created.prefix, scopes: created.scopes });
      assert.ok(!JSON.stringify(audited).includes(created.key.slice(16)));
    });

    test('last_used_at is written on first use, then at most once a minute', async () => {
      clock = T0;
      const actor = await owner('customer');
      const created = await service.create(actor, { name: 'ci', scopes: ['profile:read'] });
      const verify = createApiKeyVerifier({ sql: database.sql, now });
      await verify(created.key);
      assert.deepEqual(await lastUsedAt(created.id), T0);
      clock = new Date(T0.getTime() + 59_000);
      await verify(created.key);
      assert.deepEqual(await lastUsedAt(created.id), T0);
      clock = new Date(T0.getTime() + 61_000);
      await verify(created.key);
      assert.deepEqual(await lastUsedAt(created.id), clock);
    });

    test('a key is refused from the instant it expires', async () => {
      clock = T0;
      const actor = await owner('customer');
      const created = await service.create(actor, {
        name: 'ci',
        scopes: ['profile:read'],
        expiresInDays: 1,
      });
      const verify = createApiKeyVerifier({ sql: database.sql, now });
      clock = new Date(T0.getTime() + 24 * 60 * 60 * 1000 - 1);
      assert.equal((await verify(created.key)).subject, actor.id);
      clock = new Date(T0.getTime() + 24 * 60 * 60 * 1000);
      await assert.rejects(verify(created.key), { code: 'API_KEYS_INVALID', status: 401 });
    });

    test('a failing last_used_at write does not fail the request', async () => {
      clock = T0;
      const actor = await owner('customer');
      const created = await service.create(actor, { name: 'ci', scopes: ['profile:read'] });
      const db = database.sql.db;
      await sql`create function api_keys_test_refuse() returns trigger language plpgsql as $$
        begin raise exception 'refused by test'; end $$`.execute(db);
      await sql`create trigger api_keys_test_refuse before update on api_keys
        for each row execute function api_keys_test_refuse()`.execute(db);
      try {
        const identity = await createApiKeyVerifier({ sql: database.sql, now })(created.key);
        assert.equal(identity.subject, actor.id);
        assert.equal(await lastUsedAt(created.id), null);
      } finally {
        await sql`drop trigger api_keys_test_refuse on api_keys`.execute(db);
        await sql`drop function api_keys_test_refuse()`.execute(db);
      }
    });

    test('a scope the role lost is dropped, even one stored before the change', async () => {
      clock = T0;
      const actor = await owner('admin');
      const created = await service.create(actor, {
        name: 'ci',
        scopes: ['users:read', 'audit:read', 'profile:read'],
      });
      await database.sql.db
        .updateTable('users')
        .set({ role: 'editor' })
        .where('id', '=', actor.id)
        .execute();
      const identity = await createApiKeyVerifier({ sql: database.sql, now })(created.key);
      assert.deepEqual([...identity.permissions], ['profile:read']);
      assert.equal(identity.attributes?.role, 'editor');
    });
  });
}
