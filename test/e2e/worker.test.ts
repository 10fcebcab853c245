// `npm run worker` as operators run it: src/wiring/worker.ts opens the database and
// the queue from the environment, handles the jobs it finds (one enqueued
// by the test, one relayed from the outbox), and exits 0 on SIGTERM after
// stopping the relay and the queue before the database. On PGlite the test
// writes before the worker starts (one process per data directory); on
// PostgreSQL, while it runs.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import { enqueueOn } from '../../src/adapters/queue/postgres.ts';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { EVENTS_QUEUE, recordEvent, type DomainEvent } from '../../src/modules/events/outbox.ts';
import { insertUser } from '../../src/modules/users/repo.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { createFreshDatabase } from '../support/fresh-database.ts';
import { spawnEntry, type MainProcess } from '../support/process.ts';
import { eventually } from '../support/eventually.ts';

const TEST_TIMEOUT_MS = 120_000;

type Sql = SqlDatabase<Database>;

function run(t: TestContext, env: Record<string, string>): MainProcess {
  const worker = spawnEntry('src/wiring/worker.ts', {
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    QUEUE_POLL_INTERVAL_MS: '50',
    OUTBOX_POLL_INTERVAL_MS: '50',
    PUBLIC_URL: 'https://shop.example.test',
    ...env,
  });
  t.after(async () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
  });
  return worker;
}

/** Two new users: one whose event the test enqueues itself, one recorded in the outbox. */
async function writeWork(sql: Sql): Promise<{ enqueued: string; recorded: string }> {
  const user = () =>
    insertUser(sql.db, {
      email: `worker-${randomUUID().slice(0, 8)}@example.com`,
      passwordHash: 'not-a-real-hash',
      displayName: '',
    });
  const direct = await user();
  const event: DomainEvent<'user.registered'> = {
    id: randomUUID(),
    type: 'user.registered',
    aggregateId: direct.id,
    data: { userId: direct.id },
    occurredAt: new Date().toISOString(),
  };
  await enqueueOn(sql.db, EVENTS_QUEUE, { ...event }, { idempotencyKey: event.id });
  const relayed = await user();
  await sql.withTransaction((trx) =>
    recordEvent(trx, {
      type: 'user.registered',
      aggregateId: relayed.id,
      data: { userId: relayed.id },
    }),
  );
  return { enqueued: direct.email, recorded: relayed.email };
}

async function waitForMail(dir: string, to: readonly string[]): Promise<void> {
  const mails = await eventually(
    `mail to ${to.join(', ')}`,
    async () => {
      const mails = await listOutbox(join(dir, 'mail')).catch(() => []);
      return to.every((address) => mails.some((mail) => mail.to === address)) ? mails : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  for (const mail of mails.filter((m) => to.includes(m.to))) {
    assert.equal(mail.subject, 'Welcome to Throughline');
    assert.match(mail.text, /https:\/\/shop\.example\.test\/verify-email\?token=/);
  }
}

async function stopAndCheck(worker: MainProcess): Promise<void> {
  worker.child.kill('SIGTERM');
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
  const closed = worker.logs
    .filter((record) => record.msg === 'closed')
    .map((record) => String(record.resource));
  const order = ['outbox relay', 'job queue (postgres)', 'mail', 'database'];
  assert.deepEqual(
    closed.filter((name) => order.includes(name)),
    order,
  );
  assert.equal(worker.logs.at(-1)?.msg, 'shutdown complete');
}

async function completedJobs(sql: Sql): Promise<string[]> {
  const rows = await sql.db
    .selectFrom('jobs')
    .select('state')
    .where('queue', '=', EVENTS_QUEUE)
    .execute();
  return rows.map((row) => row.state);
}

test('npm run worker is src/wiring/worker.ts', async () => {
  const pkg = JSON.parse(
    await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as {
    scripts: Record<string, string>;
  };
  assert.equal(pkg.scripts.worker, 'node src/wiring/worker.ts');
});

test(
  'the worker process handles jobs on PGlite and exits 0 on SIGTERM',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-worker-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await preparePgliteDataDir(dir);
    const pglite = join(dir, 'pglite');
    let sql = await createPgliteDatabase<Database>({ dataDir: pglite });
    const { enqueued, recorded } = await writeWork(sql);
    await sql.close();

    const worker = run(t, { DATA_DIR: dir });
    await worker.waitForLog((record) => record.msg === 'workers running');
    await waitForMail(dir, [enqueued, recorded]);
    await stopAndCheck(worker);

    sql = await createPgliteDatabase<Database>({ dataDir: pglite });
    try {
      assert.deepEqual(await completedJobs(sql), ['completed', 'completed']);
    } finally {
      await sql.close();
    }
  },
);

test(
  'the worker process handles jobs enqueued while it runs on PostgreSQL',
  {
    timeout: TEST_TIMEOUT_MS,
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
  },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-worker-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fresh = await createFreshDatabase(process.env.DATABASE_URL!);
    const sql = createPostgresDatabase<Database>({ url: fresh.url, poolSize: 2 });
    t.after(async () => {
      await sql.close();
      await fresh.drop();
    });
    await migrate(sql, { dir: MIGRATIONS_DIR });

    const worker = run(t, { DATA_DIR: dir, DATABASE_URL: fresh.url });
    await worker.waitForLog((record) => record.msg === 'workers running');
    const { enqueued, recorded } = await writeWork(sql);
    await waitForMail(dir, [enqueued, recorded]);
    await stopAndCheck(worker);
    assert.deepEqual(await completedJobs(sql), ['completed', 'completed']);
  },
);
