// Three web processes and one worker on one PostgreSQL and one Redis,
// behind nginx with the shipped configuration, under the load test's
// customer journeys (bench/loadtest). While the load runs:
// - one instance gets SIGTERM and another SIGKILL: no GET fails (nginx
//   sends it to another instance), no order is lost or placed twice (every
//   order the client saw acknowledged is in the database exactly once, and
//   none it did not see), and the ledger balances;
// - all three are restarted one at a time (SIGTERM, exit, start, ready):
//   no request fails (an order or credit cut off as an instance closes its
//   listener is sent again under its key, and placed once).
// Each test first brings any stopped instance back, so neither depends on
// the other having run.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { runLoad, type LoadReport } from '../../bench/loadtest/load.ts';
import { formatReport } from '../../bench/loadtest/report.ts';
import { judge } from '../../bench/loadtest/stats.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import { nginxSkip, startNginx, type Nginx } from '../support/nginx.ts';
import { listeningUrl, spawnEntry, spawnMain, type MainProcess } from '../support/process.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import { sharedInstanceEnv } from '../support/shared-instances.ts';
import { assertLedgerConsistent } from '../support/shop.ts';

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;
const skip = postgres.skip || redisSkip || nginxSkip;

/** Journeys started per second: modest, as the machine running the tests is shared. */
const RATE = 2;
/** Journeys that end before, between and after the disruptions. */
const SETTLE_JOURNEYS = 6;
const GET_STEPS = ['browse', 'search'];
/** Steps sent under an Idempotency-Key, which the client repeats when an attempt is cut off. */
const KEYED_STEPS = ['fund', 'order'];
/**
 * Starting processes dominates each test, and on a 2-core machine shared
 * with other work a start takes many seconds: the suite's default of two
 * minutes a test is too tight for that case.
 */
const PATIENCE = { timeout: 5 * 60_000 };

interface Slot {
  readonly dataDir: string;
  port: number;
  process: MainProcess;
}

describe('three instances and a worker behind nginx, under load', { skip }, () => {
  let database: EngineDatabase;
  let env: Record<string, string>;
  let nginx: Nginx;
  let worker: MainProcess;
  let workerDir: string | undefined;
  const slots: Slot[] = [];
  const prefix = uniquePrefix();

  /** Starts the slot's process on `port` (0: any) and waits until it listens. */
  async function start(
    dataDir: string,
    port: number,
  ): Promise<{ process: MainProcess; port: number }> {
    const process = spawnMain({ ...env, DATA_DIR: dataDir, PORT: String(port) });
    const url = await listeningUrl(process);
    return { process, port: Number(new URL(url).port) };
  }

  /** Restarts on its own port: nginx's upstream list stays as it is. */
  async function restart(slot: Slot): Promise<void> {
    const started = await start(slot.dataDir, slot.port);
    slot.process = started.process;
  }

  const alive = (slot: Slot) =>
    slot.process.child.exitCode === null && slot.process.child.signalCode === null;

  before(async () => {
    database = await postgres.open();
    // Stock for every journey: an order refused for stock is not what this is about.
    await database.sql.db.updateTable('products').set({ stock: 1_000_000 }).execute();
    env = {
      ...(await sharedInstanceEnv({
        databaseUrl: database.fresh!.url,
        redisUrl: REDIS_URL!,
        redisPrefix: prefix,
        kid: 'cluster-test',
      })),
      // Every journey signs up from 127.0.0.1: the per-IP sign-up limits would refuse them.
      RATE_LIMIT_ENABLED: 'false',
      // One hop (nginx) in front.
      TRUST_PROXY: '1',
      WORKERS: 'off',
      // Patience for a shared, loaded machine: what is asserted is that restarts and
      // kills lose nothing, not how fast requests are, so overload must not turn
      // into refusals (a pool or Redis wait cut short) or a drain cut at its deadline.
      DATABASE_ACQUIRE_TIMEOUT_MS: '30000',
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      HTTP_REQUEST_DEADLINE_MS: '60000',
      SHUTDOWN_GRACE_MS: '60000',
    };
    workerDir = await mkdtemp(join(tmpdir(), 'throughline-cluster-'));
    worker = spawnEntry('src/wiring/worker.ts', { ...env, DATA_DIR: workerDir });
    const starting = [0, 1, 2].map(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'throughline-cluster-'));
      return { dataDir, ...(await start(dataDir, 0)) };
    });
    slots.push(...(await Promise.all(starting)));
    await worker.waitForLog((record) => record.msg === 'workers running');
    nginx = await startNginx(slots.map((slot) => `127.0.0.1:${slot.port}`));
  }, PATIENCE);

  after(async () => {
    await nginx?.close();
    for (const main of [...slots.map((slot) => slot.process), worker]) {
      if (main?.child.exitCode === null) main.child.kill('SIGTERM');
    }
    await Promise.all([...slots.map((slot) => slot.process.exited), worker?.exited]);
    await database?.close();
    await removeKeys(prefix);
    const dirs = [
      ...slots.map((slot) => slot.dataDir),
      ...(workerDir === undefined ? [] : [workerDir]),
    ];
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** Runs the load until `disrupt` has run and SETTLE_JOURNEYS more journeys have ended. */
  async function underLoad(disrupt: (ended: () => Promise<void>) => Promise<void>) {
    const stop = new AbortController();
    let ended = 0;
    const load = runLoad({
      url: nginx.url,
      ratePerSecond: RATE,
      // Long enough for any machine: the run is ended by the abort below.
      durationMs: 10 * 60_000,
      timeoutMs: 30_000,
      signal: stop.signal,
      admin: DEMO_ACCOUNTS.admin,
      onJourneyEnd: () => (ended += 1),
    });
    /** Resolves once SETTLE_JOURNEYS more journeys have ended. */
    const settled = async () => {
      const mark = ended;
      await eventually('journeys end', () => ended >= mark + SETTLE_JOURNEYS, {
        timeoutMs: 60_000,
        intervalMs: 20,
      });
    };
    try {
      await settled();
      await disrupt(settled);
      await settled();
    } finally {
      stop.abort();
    }
    return load;
  }

  async function reviveStopped(): Promise<void> {
    for (const slot of slots) if (!alive(slot)) await restart(slot);
  }

  /** Every order the client saw acknowledged is stored once, and no other order was placed. */
  async function assertOrdersExactlyOnce(report: LoadReport): Promise<void> {
    const rows = await database.sql.db
      .selectFrom('orders as o')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .select(['o.id', 'o.status', 'u.email'])
      .where('u.email', 'like', `load-${report.runId}-%`)
      .execute();
    const perAccount = new Map<string, number>();
    for (const row of rows) perAccount.set(row.email, (perAccount.get(row.email) ?? 0) + 1);
    const twice = [...perAccount].filter(([, count]) => count > 1);
    assert.deepEqual(twice, [], 'no journey placed its order twice');
    const stored = rows.map((row) => row.id).sort();
    const acknowledged = report.orders.map((order) => order.id).sort();
    assert.deepEqual(stored, acknowledged, 'the stored orders are the acknowledged ones');
    const status = new Map(rows.map((row) => [row.id, row.status]));
    for (const order of report.orders.filter((o) => o.paid)) {
      assert.ok(
        ['paid', 'shipped', 'delivered'].includes(status.get(order.id)!),
        `order ${order.id} was acknowledged paid, stored ${status.get(order.id)}`,
      );
    }
    await assertLedgerConsistent(database.sql.db);
  }

  async function describeRun(t: TestContext, report: LoadReport): Promise<void> {
    const verdict = judge(report.measurements, { p99Ms: 60_000, maxErrorRate: 1 });
    const log = await nginx.accessLog();
    const triedAgain = log.filter((line) => line.split(' ')[1]?.includes(',')).length;
    t.diagnostic(formatReport(report, { p99Ms: 60_000, maxErrorRate: 1 }, verdict));
    t.diagnostic(`nginx so far: ${log.length} requests, ${triedAgain} sent to a second instance`);
    if (report.measurements.failed > 0)
      t.diagnostic((await nginx.errorLog()).slice(-40).join('\n'));
  }

  test(
    'SIGTERM to one instance and SIGKILL to another lose no GET and no order',
    PATIENCE,
    async (t) => {
      await reviveStopped();
      const report = await underLoad(async () => {
        const [terminated, killed] = [slots[0]!, slots[1]!];
        terminated.process.child.kill('SIGTERM');
        killed.process.child.kill('SIGKILL');
        assert.deepEqual(await terminated.process.exited, { code: 0, signal: null });
        await killed.process.exited;
      });
      await describeRun(t, report);

      assert.ok(report.journeys.completed > 2 * SETTLE_JOURNEYS - 2, 'the journeys went on');
      const failedGets = Object.entries(report.measurements.failures).filter(([key]) =>
        GET_STEPS.includes(key.split(' ')[0]!),
      );
      assert.deepEqual(failedGets, [], 'no GET failed');
      await assertOrdersExactlyOnce(report);
    },
  );

  test('a rolling restart of all three fails no request', PATIENCE, async (t) => {
    await reviveStopped();
    const report = await underLoad(async (settled) => {
      for (const slot of slots) {
        slot.process.child.kill('SIGTERM');
        assert.deepEqual(await slot.process.exited, { code: 0, signal: null });
        await restart(slot);
        // Under load on the new process before the next one goes.
        await settled();
      }
    });
    await describeRun(t, report);

    // A request nginx already sent to an instance whose listener closed at
    // that instant comes back 502, and nginx may not retry a POST: an
    // order or credit then goes again under its key (the repeat replays or
    // places it once). Such an attempt is not a failed request; any other is.
    const { failures, retries } = report.measurements;
    const unkeyed = Object.entries(failures).filter(
      ([key]) => !KEYED_STEPS.includes(key.split(' ')[0]!),
    );
    assert.deepEqual(unkeyed, [], 'no request without a key failed');
    const keyedFailures = Object.entries(failures)
      .filter(([key]) => KEYED_STEPS.includes(key.split(' ')[0]!))
      .reduce((sum, [, count]) => sum + count, 0);
    assert.ok(keyedFailures <= retries, 'every cut-off keyed attempt was sent again');
    assert.equal(report.journeys.failed, 0, 'every journey completed');
    await assertOrdersExactlyOnce(report);
  });
});
