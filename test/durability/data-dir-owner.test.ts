// One owner per embedded data directory, as operators meet it: a second
// `npm start` (or `npm run worker`) on a directory a running process owns
// refuses with one line that says who owns it and what to do, while the
// owner keeps serving and loses nothing; a SIGKILLed owner's lock does not
// block the next start; a directory PostgreSQL cannot recover is reported as
// such, with the recovery options, never as a WebAssembly stack.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { apiClient } from '../support/api.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { listeningUrl, spawnEntry, spawnMain, type MainProcess } from '../support/process.ts';

const TEST_TIMEOUT_MS = 120_000;
const PASSWORD = 'a-long-enough-password-1';

async function dataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-owner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await preparePgliteDataDir(dir);
  return dir;
}

function env(dir: string): Record<string, string> {
  return { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info' };
}

function run(
  t: TestContext,
  entry: 'src/wiring/main.ts' | 'src/wiring/worker.ts',
  dir: string,
): MainProcess {
  const child = entry === 'src/wiring/main.ts' ? spawnMain(env(dir)) : spawnEntry(entry, env(dir));
  t.after(async () => {
    if (child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
  });
  return child;
}

async function registerAll(url: string, count: number): Promise<string[]> {
  const api = apiClient(url);
  const emails = Array.from({ length: count }, () => `owner-${randomUUID()}@example.test`);
  for (const email of emails) await api.register(email, PASSWORD);
  return emails;
}

async function storedEmails(dir: string, emails: readonly string[]): Promise<string[]> {
  const sql = await createPgliteDatabase<Database>({ dataDir: join(dir, 'pglite') });
  try {
    const rows = await sql.db
      .selectFrom('users')
      .select('email')
      .where('email', 'in', [...emails])
      .execute();
    return rows.map((row) => row.email).sort();
  } finally {
    await sql.close();
  }
}

/** The refusal: exit 1 and one fatal line naming the directory, the owner's pid and the way out. */
async function assertRefused(second: MainProcess, dir: string, ownerPid: number): Promise<void> {
  assert.deepEqual(await second.exited, { code: 1, signal: null });
  const fatal = second.logs.filter((record) => record.level === 'fatal');
  assert.equal(fatal.length, 1, second.stdout());
  const line = fatal[0]!;
  assert.equal(line.code, 'DATA_DIR_LOCKED');
  assert.equal(line.ownerPid, ownerPid);
  assert.match(line.msg, new RegExp(`${join(dir, 'pglite')} is in use by pid ${ownerPid}`));
  assert.match(line.msg, /one process at a time.*DATABASE_URL/);
  assert.doesNotMatch(second.stdout(), /"stack"/);
}

test(
  'a second process on one DATA_DIR refuses; the first keeps serving and loses nothing',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await dataDir(t);
    const first = run(t, 'src/wiring/main.ts', dir);
    const url = await listeningUrl(first);
    const before = await registerAll(url, 3);

    await assertRefused(run(t, 'src/wiring/main.ts', dir), dir, first.child.pid!);
    // The worker is refused the same way: the web process runs the workers itself.
    await assertRefused(run(t, 'src/wiring/worker.ts', dir), dir, first.child.pid!);

    const afterRefusals = await registerAll(url, 3);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    first.child.kill('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null });

    const all = [...before, ...afterRefusals];
    assert.deepEqual(await storedEmails(dir, all), [...all].sort());
  },
);

test(
  'a lock left by a SIGKILLed owner does not stop the next start',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await dataDir(t);
    const killed = run(t, 'src/wiring/main.ts', dir);
    const emails = await registerAll(await listeningUrl(killed), 2);
    killed.child.kill('SIGKILL');
    await killed.exited;
    assert.ok((await readdir(dir)).includes('pglite.lock'), 'SIGKILL leaves the lock file');

    const next = run(t, 'src/wiring/main.ts', dir);
    const url = await listeningUrl(next);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    next.child.kill('SIGTERM');
    assert.deepEqual(await next.exited, { code: 0, signal: null });
    assert.ok(!(await readdir(dir)).includes('pglite.lock'), 'a clean stop removes the lock');
    assert.deepEqual(await storedEmails(dir, emails), [...emails].sort());
  },
);

/** Zeroes every write-ahead log segment: the checkpoint record is gone, as after lost writes. */
async function destroyWriteAheadLog(pglite: string): Promise<void> {
  const wal = join(pglite, 'pg_wal');
  for (const name of await readdir(wal)) {
    if (!/^[0-9A-F]{24}$/.test(name)) continue;
    const file = await open(join(wal, name), 'r+');
    try {
      const { size } = await file.stat();
      await file.write(Buffer.alloc(size), 0, size, 0);
    } finally {
      await file.close();
    }
  }
}

test(
  'a damaged directory: one line with the recovery options and exit 1, no stack',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await dataDir(t);
    await destroyWriteAheadLog(join(dir, 'pglite'));
    const main = run(t, 'src/wiring/main.ts', dir);
    assert.deepEqual(await main.exited, { code: 1, signal: null });
    const fatal = main.logs.filter((record) => record.level === 'fatal');
    assert.equal(fatal.length, 1, main.stdout());
    const line = fatal[0]!;
    assert.equal(line.code, 'DATABASE_DAMAGED');
    assert.match(
      line.msg,
      /cannot be opened \(PostgreSQL: PANIC: could not locate a valid checkpoint/,
    );
    assert.match(line.msg, /npm run db:restore/);
    assert.match(line.msg, new RegExp(`mv ${join(dir, 'pglite')} `));
    assert.doesNotMatch(main.stdout(), /"stack"|RuntimeError/);
    assert.doesNotMatch(main.stderr(), /RuntimeError|Aborted|\n\s+at /);
    // The failed open released the directory: a restore can take it at once.
    assert.ok(!(await readdir(dir)).includes('pglite.lock'));
  },
);
