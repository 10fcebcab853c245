// The service as a real process, behind a network that drops packets instead
// of resetting (a TCP proxy that blackholes: the open connections, and those
// made during the outage, stay silent for good; after it, new connections go
// through). The service must notice on its own: requests fail with 503 during
// the outage, /readyz and the database-backed reads come back within seconds
// of the network, and SIGTERM during an outage still ends the process, with
// exit code 0, within its shutdown budget.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { withDatabaseName } from '../../src/platform/sql/database-url.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { listeningUrl, spawnMain, type MainProcess } from '../support/process.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

/** How long the network drops everything. */
const OUTAGE_MS = 10_000;
/** What the service must recover within once the network is back. */
const RECOVERY_LIMIT_MS = 10_000;
/** Short, to keep the run short: a silent connection is given up 1 s past it. */
const STATEMENT_TIMEOUT_MS = 2000;
const GRACE_MS = 2000;
const CLOSE_TIMEOUT_MS = 3000;
/** Room for a loaded machine on top of the shutdown budget (and the half second to flush logs). */
const EXIT_SLACK_MS = 5000;
const READ_PATH = '/api/v1/products/1';

interface Running {
  readonly main: MainProcess;
  readonly proxy: TcpProxy;
  readonly url: string;
}

/** GET with a deadline far above anything the service should take; 0 for no answer. */
async function status(url: string, path: string): Promise<number> {
  try {
    const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls until `path` answers 200; returns how long that took. */
async function msUntilOk(url: string, path: string): Promise<number> {
  const started = performance.now();
  while ((await status(url, path)) !== 200) await delay(100);
  return Math.round(performance.now() - started);
}

/** Requests `path` over and over on `lanes` parallel lanes until stopped, recording each answer. */
function traffic(url: string, path: string, lanes: number) {
  const answers: { status: number; sentAt: number; answeredAt: number }[] = [];
  let stopped = false;
  const lane = async () => {
    while (!stopped) {
      const sentAt = performance.now();
      const answer = await status(url, path);
      answers.push({ status: answer, sentAt, answeredAt: performance.now() });
      if (answer !== 200) await delay(50);
    }
  };
  const running = Promise.all(Array.from({ length: lanes }, lane));
  return {
    answers,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

describe(
  'a network that drops packets, in front of the real process',
  { skip: postgres.skip },
  () => {
    let database: EngineDatabase;

    before(async () => {
      database = await postgres.open();
    });

    after(() => database.close());

    async function startBehindProxy(t: TestContext, env: Record<string, string> = {}) {
      const target = new URL(database.fresh!.url);
      const proxy = await startTcpProxy({
        host: target.hostname,
        port: Number(target.port || 5432),
      });
      const dataDir = await mkdtemp(join(tmpdir(), 'throughline-silent-'));
      const main = spawnMain({
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        DATABASE_URL: withDatabaseName(
          `postgres://postgres@127.0.0.1:${proxy.port}/x`,
          database.fresh!.name,
        ),
        MIGRATE_ON_START: 'false',
        SEED_ON_START: 'false',
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        // Every read goes to the database, and no request is turned away for its rate.
        CACHE_ENABLED: 'false',
        RATE_LIMIT_ENABLED: 'false',
        ...env,
      });
      t.after(async () => {
        if (main.child.exitCode === null && main.child.signalCode === null) {
          main.child.kill('SIGKILL');
          await main.exited;
        }
        await proxy.close();
        await rm(dataDir, { recursive: true, force: true });
      });
      const url = await listeningUrl(main);
      return { main, proxy, url } satisfies Running;
    }

    /** Fills the pool with open connections, all idle once this returns. */
    async function warm(url: string) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => status(url, READ_PATH)));
      assert.deepEqual(new Set(answers), new Set([200]));
      assert.equal(await status(url, '/readyz'), 200);
    }

    test(
      'fails fast during the outage and recovers within seconds of the network',
      { timeout: 120_000 },
      async (t) => {
        const { main, proxy, url } = await startBehindProxy(t);
        await warm(url);

        proxy.blackhole();
        const outageStarted = performance.now();
        const reads = traffic(url, READ_PATH, 4);
        const probes = traffic(url, '/readyz', 1);
        await delay(OUTAGE_MS);
        const restoredAt = performance.now();
        proxy.restore();

        const [readyMs, readMs] = await Promise.all([
          msUntilOk(url, '/readyz'),
          msUntilOk(url, READ_PATH),
        ]);
        await Promise.all([reads.stop(), probes.stop()]);
        t.diagnostic(
          `after the network came back: /readyz 200 in ${readyMs} ms, read 200 in ${readMs} ms`,
        );

        // During the outage: answers, not hangs, and none of them a success.
        const during = (answers: typeof reads.answers) =>
          answers.filter((a) => a.sentAt >= outageStarted && a.answeredAt < restoredAt);
        assert.ok(during(reads.answers).length > 0, 'reads were answered during the outage');
        assert.deepEqual(new Set(during(reads.answers).map((a) => a.status)), new Set([503]));
        assert.ok(during(probes.answers).length > 0, 'readiness was answered during the outage');
        assert.deepEqual(new Set(during(probes.answers).map((a) => a.status)), new Set([503]));

        assert.ok(readyMs <= RECOVERY_LIMIT_MS, `/readyz took ${readyMs} ms to recover`);
        assert.ok(readMs <= RECOVERY_LIMIT_MS, `reads took ${readMs} ms to recover`);
        // Nothing stale is left in the pool: a full burst succeeds.
        await warm(url);
        assert.ok(main.logs.some((record) => /^sql connection silent/.test(record.msg)));

        main.child.kill('SIGTERM');
        assert.deepEqual(await main.exited, { code: 0, signal: null });
      },
    );

    test(
      'SIGTERM during the outage exits 0 within the shutdown budget',
      { timeout: 120_000 },
      async (t) => {
        const { main, proxy, url } = await startBehindProxy(t, {
          SHUTDOWN_GRACE_MS: String(GRACE_MS),
          SHUTDOWN_CLOSE_TIMEOUT_MS: String(CLOSE_TIMEOUT_MS),
        });
        await warm(url);

        proxy.blackhole();
        // Requests whose queries the network swallows: connections checked out and stuck.
        const stuck = Array.from({ length: 4 }, () => status(url, READ_PATH));
        while (proxy.swallowed === 0) await delay(20);

        const signalled = performance.now();
        main.child.kill('SIGTERM');
        const exit = await main.exited;
        const exitMs = Math.round(performance.now() - signalled);
        t.diagnostic(`SIGTERM during the outage: exited in ${exitMs} ms`);
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.ok(exitMs <= GRACE_MS + CLOSE_TIMEOUT_MS + EXIT_SLACK_MS, `exit took ${exitMs} ms`);
        // An orderly stop: whatever the outage kept from closing in time is named.
        const last = main.logs.at(-1);
        assert.equal(last?.msg, 'shutdown complete');
        t.diagnostic(`left open: ${JSON.stringify(last?.unclosed ?? [])}`);
        await Promise.all(stuck);
      },
    );
  },
);
