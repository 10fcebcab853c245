// SIGHUP on the real worker process (`npm run worker`), its config file
// changed on disk as in reload.test.ts: a new log level takes effect at once
// (info lines stop at `warn`, come back at `info`), a static setting that
// changed is refused by name with the web process's line, and an invalid
// value is logged and changes nothing — the worker keeps running and exits 0.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { preparePgliteDataDir } from '../support/database.ts';
import { spawnEntry } from '../support/process.ts';
import type { LogRecord } from '../support/start.ts';

const TEST_TIMEOUT_MS = 120_000;

test(
  'the worker process reloads its log level on SIGHUP and survives bad input',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-worker-reload-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await preparePgliteDataDir(dir);
    const configFile = join(dir, 'config.json');
    const writeConfig = (value: unknown) => writeFile(configFile, JSON.stringify(value));
    await writeConfig({ log: { level: 'info' } });

    // No LOG_LEVEL in the environment: it would win over the file.
    const worker = spawnEntry('src/wiring/worker.ts', {
      NODE_ENV: 'test',
      DATA_DIR: dir,
      CONFIG_FILE: configFile,
      PUBLIC_URL: 'https://shop.example.test',
    });
    t.after(async () => {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    });
    await worker.waitForLog((record) => record.msg === 'workers running');

    /** Sends SIGHUP and waits for `last` among the lines after the ones seen so far. */
    const hangUp = async (last: (record: LogRecord) => boolean) => {
      const seen = worker.logs.length;
      worker.child.kill('SIGHUP');
      await worker.waitForLog((record) => worker.logs.indexOf(record) >= seen && last(record));
      return worker.logs.slice(seen);
    };
    const reloadedLine = (record: LogRecord) => record.msg === 'configuration reloaded';

    // info → warn: the summary still says so (it goes out before the new level applies).
    await writeConfig({ log: { level: 'warn' } });
    const quieter = await hangUp(reloadedLine);
    assert.deepEqual(quieter.at(-1)!.applied, ['log.level']);
    assert.deepEqual(quieter.at(-1)!.refused, []);

    // Invalid, at `warn`: the problem is logged (error), nothing else is —
    // not the info line every SIGHUP logs at `info`: the new level is in force.
    await writeConfig({ log: { level: 'loud' } });
    const invalid = await hangUp(
      (record) => record.msg === 'configuration reload refused: nothing changed',
    );
    const problems = invalid
      .filter((record) => record.msg === 'configuration reload refused: invalid setting')
      .map((record) => record.setting);
    assert.deepEqual(problems, ['log.level']);
    assert.deepEqual(
      invalid.filter((record) => record.level === 'info'),
      [],
      'info lines are off at warn',
    );

    // warn → info, with a static setting changed beside it: the level applies
    // (the summary shows again), the static one is refused by name.
    await writeConfig({ log: { level: 'info' }, cache: { productTtlMs: 1234 } });
    const louder = await hangUp(reloadedLine);
    assert.deepEqual(louder.at(-1)!.applied, ['log.level']);
    assert.deepEqual(louder.at(-1)!.refused, ['cache.productTtlMs']);
    const refusal = louder.find((record) => record.setting === 'cache.productTtlMs');
    assert.ok(refusal !== undefined && refusal.level === 'warn');
    assert.match(refusal.msg, /CACHE_PRODUCT_TTL_MS changed but needs a restart/);

    // Back at info: the next SIGHUP's own line is there again.
    const again = await hangUp(reloadedLine);
    assert.ok(again.some((record) => record.msg === 'SIGHUP: reloading the configuration'));
    assert.deepEqual(again.at(-1)!.applied, []);

    worker.child.kill('SIGTERM');
    assert.deepEqual(await worker.exited, { code: 0, signal: null });
  },
);
