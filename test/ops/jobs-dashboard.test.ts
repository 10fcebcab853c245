// The jobs dashboard (GET /api/v1/admin/jobs…) over the service's own queue,
// on both engines: counts per state, a dead letter listed with its error,
// replayed (audited) and queued again; customers are refused. The service
// runs with WORKERS=off, so the test's own worker decides what fails and
// nothing else takes the jobs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { EVENTS_QUEUE } from '../../src/modules/events/outbox.ts';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { eventually } from '../support/eventually.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { silentLogger, startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

interface Counts {
  name: string;
  pending: number;
  running: number;
  completed: number;
  dead: number;
  waiting: number;
}

for (const engine of ENGINES) {
  describe(`jobs dashboard (${engine.name})`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let admin: string;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql, env: { WORKERS: 'off' } });
      api = apiClient(service.url);
      admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const countsOf = async (queue: string): Promise<Counts> => {
      const res = await api.call('/api/v1/admin/jobs', { token: admin });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = (await res.json()) as { data: Counts[] };
      const found = body.data.find((entry) => entry.name === queue);
      assert.ok(found !== undefined, `${queue} is listed`);
      return found;
    };

    test('a dead letter is counted, listed with its error, and replayed', async () => {
      const before = await countsOf(EVENTS_QUEUE);
      // A worker of the test's own whose handler always fails, on one attempt.
      const worker = createPostgresQueue({
        sql: database.sql,
        logger: silentLogger(),
        pollIntervalMs: 20,
      });
      let id: string;
      try {
        id = await worker.enqueue(EVENTS_QUEUE, { probe: true }, { maxAttempts: 1 });
        worker.process(EVENTS_QUEUE, (job) =>
          Promise.reject(new Error(`receiver down for ${job.id}`)),
        );
        await eventually('the job is dead', async () => {
          const dead = await worker.listDead(EVENTS_QUEUE);
          return dead.some((job) => job.id === id);
        });
      } finally {
        await worker.stop();
      }
      const dead = await countsOf(EVENTS_QUEUE);
      assert.equal(dead.dead, before.dead + 1);

      const listed = await api.call(`/api/v1/admin/jobs/${EVENTS_QUEUE}/dead?limit=10`, {
        token: admin,
      });
      assert.equal(listed.status, 200);
      const letters = ((await listed.json()) as { data: Record<string, unknown>[] }).data;
      const letter = letters.find((entry) => entry.id === id);
      assert.deepEqual(
        { ...letter, failedAt: typeof letter?.failedAt },
        {
          id,
          queue: EVENTS_QUEUE,
          payload: { probe: true },
          attempts: 1,
          lastError: `receiver down for ${id}`,
          failedAt: 'string',
        },
      );

      const replay = await api.call(`/api/v1/admin/jobs/dead/${id}/replay`, {
        method: 'POST',
        token: admin,
      });
      assert.equal(replay.status, 204);
      const after = await countsOf(EVENTS_QUEUE);
      assert.equal(after.dead, before.dead);
      assert.equal(after.pending, before.pending + 1, 'queued again (no worker takes it here)');

      const again = await api.call(`/api/v1/admin/jobs/dead/${id}/replay`, {
        method: 'POST',
        token: admin,
      });
      assert.equal(again.status, 404, 'no longer a dead letter');
      assert.equal(await problemCode(again), 'OPS_DEAD_JOB_NOT_FOUND');

      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select(['action', 'outcome', 'target_id'])
        .where('action', '=', 'admin.job_replayed')
        .where('target_id', '=', id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((row) => [row.outcome, row.target_id]),
        [
          ['success', id],
          ['failure', id],
        ],
      );
    });

    test('a replay id is bounded by what the audit log holds, and never a 500', async () => {
      const replay = (id: string) =>
        api.call(`/api/v1/admin/jobs/dead/${id}/replay`, { method: 'POST', token: admin });
      for (const length of [201, 300]) {
        const res = await replay('j'.repeat(length));
        assert.equal(res.status, 422, `${length} characters`);
        const problem = (await res.json()) as { errors: { field: string; code: string }[] };
        assert.deepEqual(
          problem.errors.map((e) => `${e.field}:${e.code}`),
          ['id:too_long'],
        );
      }
      // The longest id taken, one past the bigint maximum (never cast), one like a BullMQ id.
      const unknown = ['j'.repeat(200), '9999999999999999999', `${EVENTS_QUEUE}:key-abc`];
      for (const id of unknown) {
        const res = await replay(encodeURIComponent(id));
        assert.equal(res.status, 404, id);
        assert.equal(await problemCode(res), 'OPS_DEAD_JOB_NOT_FOUND');
      }
      const audited = await database.sql.db
        .selectFrom('audit_log')
        .select(['outcome', 'target_id'])
        .where('action', '=', 'admin.job_replayed')
        .where('target_id', 'in', unknown)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audited.map((row) => [row.outcome, row.target_id]),
        unknown.map((id) => ['failure', id]),
        'each failed attempt is audited with the whole id',
      );
      const nul = await replay('a%00b');
      assert.equal(nul.status, 400);
      assert.equal(await problemCode(nul), 'HTTP_MALFORMED_PATH');
    });

    test('an unknown queue is a 404; customers and anonymous callers are refused', async () => {
      const unknown = await api.call('/api/v1/admin/jobs/no.such.queue/dead', { token: admin });
      assert.equal(unknown.status, 404);
      assert.equal(await problemCode(unknown), 'OPS_QUEUE_NOT_FOUND');

      await api.register('jobs-dashboard@example.com', PASSWORD);
      const { accessToken } = await api.login('jobs-dashboard@example.com', PASSWORD);
      for (const [method, path] of [
        ['GET', '/api/v1/admin/jobs'],
        ['GET', `/api/v1/admin/jobs/${EVENTS_QUEUE}/dead`],
        ['POST', '/api/v1/admin/jobs/dead/1/replay'],
      ] as const) {
        assert.equal((await api.call(path, { method, token: accessToken })).status, 403, path);
        assert.equal((await api.call(path, { method })).status, 401, path);
      }
    });
  });
}
