// Role changes over real HTTP on both engines: only `users:roles` may change
// them, never one's own, every change is audited with before and after, and
// the user's sessions and refresh tokens end so the old rights cannot linger.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

for (const engine of ENGINES) {
  describe(`role changes on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let admin: { id: string; token: string };

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
      api = apiClient(service.url);
      const { accessToken } = await api.login(
        DEMO_ACCOUNTS.admin.email,
        DEMO_ACCOUNTS.admin.password,
      );
      const me = (await (await api.call('/api/v1/me', { token: accessToken })).json()) as {
        id: string;
      };
      admin = { id: me.id, token: accessToken };
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const setRole = (id: string, role: string, token = admin.token) =>
      api.call(`/api/v1/admin/users/${id}/role`, { method: 'PUT', token, json: { role } });

    test('an admin promotes a customer: audited, and their sessions end', async () => {
      const user = await api.register('promoted@example.com', PASSWORD);
      const before = await api.login(user.email, PASSWORD);
      const browser = await api.call('/api/v1/auth/session', {
        method: 'POST',
        json: { email: user.email, password: PASSWORD },
        headers: { origin: service.url },
      });
      const cookie = browser.headers.getSetCookie()[0]!.split(';')[0]!;

      const res = await setRole(user.id, 'editor');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { role: string }).role, 'editor');

      assert.equal((await api.call('/api/v1/me', { headers: { cookie } })).status, 401);
      const refresh = await api.call('/api/v1/auth/refresh', {
        method: 'POST',
        json: { refreshToken: before.refreshToken },
      });
      assert.equal(refresh.status, 401);

      const after = await api.login(user.email, PASSWORD);
      const claims = JSON.parse(
        Buffer.from(after.accessToken.split('.')[1]!, 'base64url').toString(),
      ) as { role: string; scope: string };
      assert.equal(claims.role, 'editor');
      assert.ok(claims.scope.split(' ').includes('catalog:write'));

      const rows = await database.sql.db
        .selectFrom('audit_log')
        .select(['actor_id', 'outcome', 'details'])
        .where('action', '=', 'admin.role_changed')
        .where('target_id', '=', user.id)
        .execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.actor_id, admin.id);
      assert.equal(rows[0]!.outcome, 'success');
      assert.deepEqual(rows[0]!.details, { from: 'customer', to: 'editor' });
    });

    test('admins cannot change their own role; customers cannot change any', async () => {
      const self = await setRole(admin.id, 'customer');
      assert.equal(self.status, 409);
      assert.equal(await problemCode(self), 'USERS_CANNOT_CHANGE_OWN_ROLE');

      const user = await api.register('not-an-admin@example.com', PASSWORD);
      const { accessToken } = await api.login(user.email, PASSWORD);
      const forbidden = await setRole(user.id, 'admin', accessToken);
      assert.equal(forbidden.status, 403);
    });

    test('unknown users are 404, unknown roles 422', async () => {
      assert.equal((await setRole('999999999', 'editor')).status, 404);
      const user = await api.register('bad-role@example.com', PASSWORD);
      const res = await setRole(user.id, 'superuser');
      assert.equal(res.status, 422);
      assert.equal(await problemCode(res), 'HTTP_VALIDATION_FAILED');
    });
  });
}
