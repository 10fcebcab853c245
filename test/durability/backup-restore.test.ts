// Backups as an operator takes them: `npm run db:backup` while the service
// runs (the snapshot comes from the owning process), `npm run db:restore`
// refused while a process owns the data, then backup → wipe → restore round
// trips that keep every row and an audit chain that still verifies — on the
// embedded database and, with DATABASE_URL, on PostgreSQL (pg_dump).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sql as raw } from 'kysely';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { createAuditService } from '../../src/modules/audit/service.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import { tableRowCounts } from '../../src/platform/sql/table-counts.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { apiClient } from '../support/api.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { createFreshDatabase } from '../support/fresh-database.ts';
import { listeningUrl, spawnEntry, spawnMain, type MainProcess } from '../support/process.ts';

const TEST_TIMEOUT_MS = 240_000;
const PASSWORD = 'a-long-enough-password-1';

function run(t: TestContext, process: MainProcess): MainProcess {
  t.after(async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) {
      process.child.kill('SIGKILL');
      await process.exited;
    }
  });
  return process;
}

/** Runs a script to its end; returns its exit code and output. */
async function script(
  t: TestContext,
  entry: string,
  env: Record<string, string>,
  args: string[] = [],
) {
  const child = run(t, spawnEntry(entry, env, args));
  const exit = await child.exited;
  return { code: exit.code, stdout: child.stdout(), stderr: child.stderr() };
}

/** Registers accounts and signs each in once (sign-ins are audited). */
async function activity(url: string, count: number): Promise<string[]> {
  const api = apiClient(url);
  const emails = Array.from({ length: count }, () => `backup-${randomUUID()}@example.test`);
  for (const email of emails) {
    await api.register(email, PASSWORD);
    await api.login(email, PASSWORD);
  }
  return emails;
}

async function snapshotOf(sql: SqlDatabase<Database>, emails: readonly string[]) {
  const users = await sql.db
    .selectFrom('users')
    .select('email')
    .where('email', 'in', [...emails])
    .execute();
  return {
    counts: await tableRowCounts(sql.db),
    present: users.map((row) => row.email).sort(),
    audit: await createAuditService({ sql }).verify(),
  };
}

async function embedded<T>(dir: string, fn: (sql: SqlDatabase<Database>) => Promise<T>) {
  const sql = await createPgliteDatabase<Database>({ dataDir: join(dir, 'pglite') });
  try {
    return await fn(sql);
  } finally {
    await sql.close();
  }
}

const backupFile = (stdout: string) => /backup written: (\S+)/.exec(stdout)?.[1];

test(
  'embedded: an online backup, a refused restore, and backup → wipe → restore round trips',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-backup-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await preparePgliteDataDir(dir);
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info' };

    const service = run(t, spawnMain(env));
    const url = await listeningUrl(service);
    const early = await activity(url, 3);

    // Taken from the running process: it owns the files.
    const online = await script(t, 'scripts/db-backup.ts', env);
    assert.equal(online.code, 0, online.stderr);
    assert.match(online.stdout, new RegExp(`from running process ${service.child.pid}`));
    assert.match(online.stdout, /verified: \d+ tables/);
    const onlineFile = backupFile(online.stdout)!;
    assert.ok(onlineFile.startsWith(join(dir, 'backups', 'throughline-pglite-')));

    const refused = await script(t, 'scripts/db-restore.ts', env, [onlineFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`in use by pid ${service.child.pid}`));

    const late = await activity(url, 1);
    service.child.kill('SIGTERM');
    assert.deepEqual(await service.exited, { code: 0, signal: null });

    // Offline: nobody owns the directory, the command opens it itself.
    const everyone = [...early, ...late];
    const before = await embedded(dir, (sql) => snapshotOf(sql, everyone));
    assert.equal(before.audit.ok, true);
    assert.ok(before.audit.count >= everyone.length, 'sign-ins were audited');
    const offline = await script(t, 'scripts/db-backup.ts', env, [join(dir, 'offline.tar.gz')]);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /from the data directory/);

    await rm(join(dir, 'pglite'), { recursive: true });
    const restored = await script(t, 'scripts/db-restore.ts', env, [join(dir, 'offline.tar.gz')]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await embedded(dir, (sql) => snapshotOf(sql, everyone)), before);

    // The online backup is the database as it was when it was taken.
    const back = await script(t, 'scripts/db-restore.ts', env, [onlineFile]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /previous directory was moved to/);
    const atBackup = await embedded(dir, (sql) => snapshotOf(sql, everyone));
    assert.deepEqual(atBackup.present, [...early].sort());
    assert.equal(atBackup.audit.ok, true);
    assert.ok(atBackup.audit.count < before.audit.count);

    // And the service starts on it.
    const again = run(t, spawnMain(env));
    const againUrl = await listeningUrl(again);
    await apiClient(againUrl).login(early[0]!, PASSWORD);
    again.child.kill('SIGTERM');
    assert.deepEqual(await again.exited, { code: 0, signal: null });
  },
);

test(
  'embedded: a file that is not a backup is refused before anything is touched',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-backup-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await preparePgliteDataDir(dir);
    const env = { DATA_DIR: dir, LOG_LEVEL: 'info' };
    const bogus = join(dir, 'not-a-backup.tar.gz');
    await writeFile(bogus, 'hello');
    const result = await script(t, 'scripts/db-restore.ts', env, [bogus]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not a loadable backup/);
    assert.deepEqual((await readdir(dir)).sort(), ['not-a-backup.tar.gz', 'pglite']);
  },
);

const databaseUrl = process.env.DATABASE_URL;

test(
  'PostgreSQL: pg_dump backup, restore refused while the service is connected, round trip',
  {
    timeout: TEST_TIMEOUT_MS,
    skip: databaseUrl === undefined ? 'DATABASE_URL is not set' : false,
  },
  async (t) => {
    const fresh = await createFreshDatabase(databaseUrl!);
    // Not named like the service: the restore refuses while the service is connected.
    const sql = createPostgresDatabase<Database>({
      url: fresh.url,
      poolSize: 2,
      applicationName: 'throughline-test',
    });
    t.after(async () => {
      await sql.close();
      await fresh.drop();
    });
    await migrate(sql, { dir: MIGRATIONS_DIR });
    const dir = await mkdtemp(join(tmpdir(), 'throughline-backup-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dir,
      LOG_LEVEL: 'info',
      DATABASE_URL: fresh.url,
    };

    const service = run(t, spawnMain(env));
    const emails = await activity(await listeningUrl(service), 3);
    const online = await script(t, 'scripts/db-backup.ts', env, [join(dir, 'online.dump')]);
    assert.equal(online.code, 0, online.stderr);
    assert.match(online.stdout, /pg_dump custom format/);

    const refused = await script(t, 'scripts/db-restore.ts', env, [join(dir, 'online.dump')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /connection\(s\) of the service are open/);

    service.child.kill('SIGTERM');
    assert.deepEqual(await service.exited, { code: 0, signal: null });
    const before = await snapshotOf(sql, emails);
    assert.equal(before.audit.ok, true);
    const file = join(dir, 'offline.dump');
    const offline = await script(t, 'scripts/db-backup.ts', env, [file]);
    assert.equal(offline.code, 0, offline.stderr);

    await raw`drop schema public cascade`.execute(sql.db);
    await raw`create schema public`.execute(sql.db);
    const restored = await script(t, 'scripts/db-restore.ts', env, [file]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.deepEqual(await snapshotOf(sql, emails), before);
  },
);
