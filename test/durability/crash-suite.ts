// The crash-consistency suite, run per engine by crash-consistency-*.test.ts
// (one file each, so the two runs take parallel slots of the test runner).
//
// Crash consistency, on the embedded engine and (with DATABASE_URL) on
// PostgreSQL: the service runs as a real process while client loops
// register accounts, credit wallets, place orders (Idempotency-Key), pay and
// cancel them; the process is SIGKILLed at seeded moments with writes in
// flight and started again on the same data, and every request whose answer
// was lost is sent again, unchanged (crash-run.ts, operations.ts). Then,
// through the API and straight from the database: every acknowledged write
// is there as acknowledged, one order per key, stock conserved per product,
// the ledger balanced and matching what each customer was told, and no paid
// order left unsettled by the workers.
//
// CRASH_SEED=<n> replays a run's choices of operations and kill points (the
// seed is in the suite's name; how the clients interleave still varies);
// CRASH_KILLS=<n> runs longer than the default 10 kills. Each kill is
// followed by a full start of the service, which is most of a kill's cost,
// so the default keeps `npm test` affordable and every run draws new kill
// points (a new seed); long runs are for looking harder (README).

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import type { Database } from '../../src/wiring/tables.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { prng, seedFrom } from '../support/prng.ts';
import { apiViolations } from './api-state.ts';
import { crashingServer, type CrashingServer } from './crashing-server.ts';
import { crashRun, type CrashReport } from './crash-run.ts';
import { newWorkload, summarize, type Product, type Workload } from './model.ts';
import {
  acknowledgedWrites,
  ledgerBalanced,
  nothingStuck,
  oneOrderPerKey,
  stockConserved,
  storedOrders,
} from './stored-state.ts';

const SEED = seedFrom('CRASH_SEED');
const KILLS = Number(process.env.CRASH_KILLS ?? 10);
/** After each kill, the chance that the restart is itself killed part-way: 2.5 a default run. */
const START_KILL_CHANCE = 0.25;
const CLIENTS = 4;
const PRODUCTS = 4;
const STOCK = 60;
/** Every step waits for a condition; these only bound how long a broken run takes to fail. */
const START_DEADLINE_MS = 90_000;
const SETTLE_DEADLINE_MS = 180_000;
// A start takes seconds on an idle machine and took 18 s on one running
// twelve times more work than it has cores: room for that, and more.
const RUN_TIMEOUT_MS = 300_000 + KILLS * 60_000;

/** Four products no seeded order holds, with a known stock and price. */
async function stockShelf(db: Kysely<Database>, seed: number): Promise<Product[]> {
  const rng = prng(seed).fork('products');
  const { rows } = await sql<{ id: string }>`
    select id::text as id from products
    where id not in (select product_id from order_items)
    order by id limit ${PRODUCTS}`.execute(db);
  const products = rows.map((row) => ({
    id: row.id,
    price: rng.int(2, 9) * 100 + rng.int(0, 99),
    initialStock: STOCK,
  }));
  for (const product of products) {
    await db
      .updateTable('products')
      .set({ stock: product.initialStock, price_amount: product.price, currency: 'EUR' })
      .where('id', '=', product.id)
      .execute();
  }
  return products;
}

export function runCrashConsistency(engineName: 'pglite' | 'postgres'): void {
  const engine = ENGINES.find((candidate) => candidate.name === engineName)!;
  describe(
    `crash consistency on ${engine.name} (CRASH_SEED=${SEED}, ${KILLS} kills)`,
    { skip: engine.skip },
    () => {
      let dataDir: string;
      let postgres: EngineDatabase | undefined;
      let server: CrashingServer | undefined;
      let stored: SqlDatabase<Database> | undefined;
      let workload: Workload;
      let report: CrashReport;
      let seenThroughApi: string[];
      let stopped: { code: number | null; signal: string | null };
      let wallMs: number;
      let runMs: number;

      before(
        async () => {
          const started = performance.now();
          dataDir = await mkdtemp(join(tmpdir(), 'throughline-crash-'));
          const env: Record<string, string> = {
            NODE_ENV: 'test',
            DATA_DIR: dataDir,
            SEED_ON_START: 'false',
            RATE_LIMIT_ENABLED: 'false',
            // A job whose worker was killed is delivered again after its lease.
            QUEUE_LEASE_MS: '2000',
            QUEUE_POLL_INTERVAL_MS: '50',
            OUTBOX_POLL_INTERVAL_MS: '50',
          };
          let products: Product[];
          if (engine.name === 'postgres') {
            postgres = await engine.open();
            products = await stockShelf(postgres.sql.db, SEED);
            env.DATABASE_URL = postgres.fresh!.url;
          } else {
            await preparePgliteDataDir(dataDir);
            const pglite = await createPgliteDatabase<Database>({ dataDir: pgliteDir() });
            try {
              products = await stockShelf(pglite.db, SEED);
            } finally {
              await pglite.close();
            }
          }
          workload = newWorkload(SEED, products);
          const running = performance.now();
          server = await crashingServer({ env, startDeadlineMs: START_DEADLINE_MS });
          report = await crashRun({
            server,
            workload,
            kills: KILLS,
            clients: CLIENTS,
            killAfterAnswers: [2, 24],
            startKillChance: START_KILL_CHANCE,
            settleDeadlineMs: SETTLE_DEADLINE_MS,
          });
          runMs = performance.now() - running;
          seenThroughApi = await apiViolations(
            { url: server.url, up: () => server!.up(), workload },
            workload,
          );
          stopped = await server.stop();
          // PGlite is one process's: it is read once the server is gone.
          stored =
            postgres?.sql ?? (await createPgliteDatabase<Database>({ dataDir: pgliteDir() }));
          wallMs = performance.now() - started;
        },
        { timeout: RUN_TIMEOUT_MS },
      );

      after(async () => {
        await server?.close();
        if (postgres === undefined) await stored?.close();
        await postgres?.close();
        await rm(dataDir, { recursive: true, force: true });
      });

      function pgliteDir(): string {
        return join(dataDir, 'pglite');
      }

      it('ran the workload through every kill and stopped cleanly', (t) => {
        const summary = summarize(workload);
        t.diagnostic(
          `seed ${SEED}: ${report.inFlightAtKill.length} kills with writes in flight ` +
            `(${report.inFlightAtKill.join(' ')}), ${report.startKills.length} during start-up ` +
            `(${report.startKills.join(', ')}), ${report.starts} starts ` +
            `(${seconds(sum(report.startMs))} s starting); run ${seconds(runMs)} s ` +
            `(settling ${seconds(report.settleMs)} s), in all ${seconds(wallMs)} s`,
        );
        t.diagnostic(
          `${summary.operations} operations: ${JSON.stringify(summary.byKind)}; ` +
            `${summary.unknown} answers lost, ${summary.unknownCommitted} of them had committed; ` +
            `${summary.customers} customers, ${summary.orders} orders`,
        );
        if (report.unexpectedExits.length > 0) {
          t.diagnostic(`ended by someone else: ${report.unexpectedExits.join('; ')}`);
        }
        assert.deepEqual(
          report.unexpectedExits.filter((exit) => /exit code/.test(exit)),
          [],
          'the service never exits by itself',
        );
        assert.equal(report.inFlightAtKill.length, KILLS);
        assert.ok(report.inFlightAtKill.every((writes) => writes > 0));
        assert.ok(summary.unknown > 0, 'some answers were lost to the kills');
        if (workload.serverErrors.length > 0) {
          t.diagnostic(`5xx answers: ${workload.serverErrors.join('; ')}`);
        }
        // 503 is an honest "not now" (a pool exhausted on a loaded machine); 500 is a defect.
        assert.deepEqual(
          workload.serverErrors.filter((error) => !error.startsWith('503 ')),
          [],
          'no 5xx but 503',
        );
        assert.deepEqual(stopped, { code: 0, signal: null }, 'SIGTERM after the run exits 0');
      });

      it('every acknowledged write reads back through the API', () => {
        assert.deepEqual(seenThroughApi, []);
      });

      it('every acknowledged write is stored as acknowledged', async () => {
        const orders = await storedOrders(stored!.db, workload);
        assert.deepEqual(await acknowledgedWrites(stored!.db, workload, orders), []);
      });

      it('each Idempotency-Key placed exactly one order', async () => {
        const orders = await storedOrders(stored!.db, workload);
        assert.deepEqual(await oneOrderPerKey(stored!.db, workload, orders), []);
      });

      it('stock is conserved per product', async () => {
        assert.deepEqual(await stockConserved(stored!.db, workload), []);
      });

      it('the ledger balances and each wallet holds what its owner was told', async () => {
        const orders = await storedOrders(stored!.db, workload);
        assert.deepEqual(await ledgerBalanced(stored!.db, workload, orders), []);
      });

      it('no order is left between states once the workers ran', async () => {
        const orders = await storedOrders(stored!.db, workload);
        assert.deepEqual(await nothingStuck(stored!.db, workload, orders), []);
      });
    },
  );
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
