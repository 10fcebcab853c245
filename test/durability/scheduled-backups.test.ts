// Scheduled backups of the embedded database over the real scheduler, queue
// and lock (PGlite): each fire writes a backup that loads, and only the
// newest BACKUP_KEEP stay. The clock is moved by hand, so three days of
// schedule pass in seconds.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPostgresLockManager } from '../../src/adapters/lock/postgres.ts';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { inspectPgliteArchive } from '../../src/adapters/sql/pglite-restore.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { startScheduledBackups } from '../../src/platform/scheduled-backups.ts';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import { createScheduler } from '../../src/platform/scheduler.ts';
import { eventually } from '../support/eventually.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { captureLogger, silentLogger } from '../support/start.ts';

test('each fire writes a loadable backup and the newest BACKUP_KEEP stay', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-scheduled-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await preparePgliteDataDir(dir);
  const sql = await createPgliteDatabase<Database>({ dataDir: join(dir, 'pglite') });
  const queue = createPostgresQueue({ sql, logger: silentLogger(), pollIntervalMs: 20 });
  t.after(async () => {
    await queue.stop();
    await sql.close();
  });

  let now = new Date('2026-01-01T02:59:59Z').getTime();
  const scheduler = createScheduler({
    queue,
    locks: createPostgresLockManager({ sql }),
    logger: silentLogger(),
    now: () => new Date(now),
  });
  const { logger, records } = captureLogger();
  const backups = join(dir, 'backups');
  startScheduledBackups({
    queue,
    scheduler,
    logger,
    snapshot: () => sql.snapshot(),
    cron: '0 3 * * *',
    dir: backups,
    keep: 2,
  });
  const written = () => records.filter((line) => line.msg === 'database backup written');

  for (const day of [1, 2, 3]) {
    now = new Date(`2026-01-0${day}T03:00:01Z`).getTime();
    const { enqueued } = await scheduler.tick();
    assert.equal(enqueued.length, 1, `day ${day}: one fire`);
    await eventually(`backup ${day} is written`, () => written().length === day, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
  }
  const files = (await readdir(backups)).sort();
  assert.equal(files.length, 2, files.join(', '));
  assert.deepEqual(
    written()
      .slice(1)
      .map((line) => (line.file as string).split('/').at(-1)),
    files,
    'the two newest are kept',
  );
  assert.deepEqual(written()[2]?.removed, [(written()[0]?.file as string).split('/').at(-1)]);
  const counts = await inspectPgliteArchive(
    new Uint8Array(await readFile(join(backups, files.at(-1)!))),
  );
  assert.ok((counts.users ?? 0) > 0 && (counts.products ?? 0) > 0, JSON.stringify(counts));
});

test('an invalid BACKUP_SCHEDULE stops the configuration', () => {
  assert.throws(
    () => loadConfig({ argv: [], env: { BACKUP_SCHEDULE: '61 * * * *' } }),
    (error: unknown) => error instanceof ConfigError && /BACKUP_SCHEDULE/.test(error.message),
  );
  const config = loadConfig({ argv: [], env: { BACKUP_SCHEDULE: '0 3 * * *', BACKUP_KEEP: '3' } });
  assert.equal(config.backup.schedule, '0 3 * * *');
  assert.equal(config.backup.keep, 3);
});
