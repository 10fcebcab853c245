// `npm run bench:orders` (also part of `npm run bench`): what the
// transactional outbox costs on POST /api/v1/orders. Two servers of the real
// service (bench/orders/server.ts), each on a database of its own prepared
// alike (the demo data, every product's stock raised so no order runs out):
// one as it ships, recording `order.placed` in the outbox in the order's
// transaction and relaying it to the job queue in the background, one with
// the event recording replaced by a no-op. wrk places orders as the seeded
// customer — a fresh Idempotency-Key per request, products round-robin —
// in alternating rounds; the report gives orders/s, p50 and p99 per side and
// the outbox's cost from same-round pairs.
//
// PostgreSQL when DATABASE_URL (or --postgres-url) names a server, PGlite
// otherwise. Servers on CPU 0, wrk on CPU 1 when taskset and two cores are
// there; the database server is not pinned.

import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql as raw } from 'kysely';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { trackCpu, type CpuUsage } from '../lib/cpu-usage.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { machineInfo } from '../lib/machine.ts';
import { wholeNumber } from '../lib/options.ts';
import { PRODUCT_COUNT, preparePglite, preparePostgres } from '../db/databases.ts';
import { startDbServer, type DbServer } from '../db/load.ts';
import { ORDERS_PATH, orderBody, startOrdersLoad } from './load.ts';
import {
  formatOrders,
  outboxCost,
  summariseOrders,
  type OrdersRun,
  type OutboxContenderId,
} from './summary.ts';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const SERVER_CPU = 0;
const LOAD_CPU = 1;
/** Enough for every order a long run can place, far from the integer column's limit. */
const STOCK = 100_000_000;

export interface OrdersBenchOptions {
  readonly rounds: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  readonly postgresUrl: string | undefined;
  readonly workers: 'inline' | 'off';
  readonly out: string;
}

export const ORDERS_USAGE = `Usage: npm run bench:orders -- [options]

  --rounds <n>        alternating rounds (default 5, env BENCH_ORDERS_ROUNDS)
  --duration <s>      seconds per measured run (default 5, env BENCH_ORDERS_DURATION)
  --warmup <s>        warm-up seconds per server (default 2)
  --connections <n>   wrk keep-alive connections (default 16)
  --postgres-url <u>  PostgreSQL server (default DATABASE_URL; none: PGlite)
  --workers <mode>    inline (default: relay and workers in the server) or off
  --out <file>        JSON results (default bench/results/orders-latest.json)
`;

export function parseOrdersOptions(
  argv: readonly string[],
): OrdersBenchOptions & { help: boolean } {
  const env = (name: string): string | undefined => process.env[name] || undefined;
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: env('BENCH_ORDERS_ROUNDS') ?? '5' },
      duration: { type: 'string', default: env('BENCH_ORDERS_DURATION') ?? '5' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '16' },
      'postgres-url': { type: 'string', default: env('DATABASE_URL') ?? '' },
      workers: { type: 'string', default: 'inline' },
      out: { type: 'string', default: 'bench/results/orders-latest.json' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const workers = values.workers;
  if (workers !== 'inline' && workers !== 'off') throw new Error('--workers must be inline or off');
  return {
    rounds: wholeNumber('rounds', values.rounds, 1),
    durationSec: wholeNumber('duration', values.duration, 1),
    warmupSec: wholeNumber('warmup', values.warmup, 0),
    connections: wholeNumber('connections', values.connections, 1),
    postgresUrl: values['postgres-url'] === '' ? undefined : values['postgres-url'],
    workers,
    out: values.out,
    help: values.help,
  };
}

interface Side {
  readonly id: OutboxContenderId;
  readonly label: string;
  /** The server's environment, database included. */
  readonly env: Readonly<Record<string, string>>;
  /** Opens the side's database (after its server stopped), for the tally. */
  open(): Promise<SqlDatabase<Database>>;
  remove(): Promise<void>;
}

const raiseStock = async (sql: SqlDatabase<Database>): Promise<void> => {
  await raw`update products set stock = ${STOCK}`.execute(sql.db);
};

async function prepareSide(
  id: OutboxContenderId,
  options: OrdersBenchOptions,
  dataDir: string,
): Promise<Side> {
  const label = id === 'outbox-on' ? 'with outbox (as shipped)' : 'without outbox (no-op)';
  const common = { OUTBOX: id === 'outbox-on' ? 'on' : 'off', WORKERS: options.workers };
  if (options.postgresUrl === undefined) {
    const pglite = await preparePglite({ afterSeed: raiseStock });
    return {
      id,
      label,
      env: { ...common, DATA_DIR: pglite.dataDir },
      open: () => createPgliteDatabase<Database>({ dataDir: join(pglite.dataDir, 'pglite') }),
      remove: () => pglite.remove(),
    };
  }
  const postgres = await preparePostgres(options.postgresUrl, { afterSeed: raiseStock });
  return {
    id,
    label,
    env: { ...common, DATA_DIR: dataDir, DATABASE_URL: postgres.url },
    open: () => Promise.resolve(createPostgresDatabase<Database>({ url: postgres.url })),
    remove: () => postgres.drop(),
  };
}

/** An access token for the seeded customer (logged in again each round: tokens expire). */
async function signIn(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO_ACCOUNTS.customer),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`customer login → ${response.status} ${text}`);
  return (JSON.parse(text) as { accessToken: string }).accessToken;
}

/** One order by hand: the route must answer 201 before any load counts. */
async function checkOrder(origin: string, token: string, label: string): Promise<void> {
  const response = await fetch(`${origin}${ORDERS_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': `check-${randomBytes(6).toString('hex')}`,
    },
    body: orderBody(1, PRODUCT_COUNT),
  });
  const text = await response.text();
  if (response.status !== 201)
    throw new Error(`${label}: POST ${ORDERS_PATH} → ${response.status} ${text}`);
}

/** Orders placed and events recorded (relayed) in a side's database, once its server stopped. */
async function tally(side: Side): Promise<{ orders: number; events: number; relayed: number }> {
  const sql = await side.open();
  try {
    const { rows } = await raw<{ orders: string; events: string; relayed: string }>`
      select (select count(*) from orders) as orders,
             (select count(*) from outbox where type = 'order.placed') as events,
             (select count(*) from outbox where type = 'order.placed' and relayed_at is not null) as relayed`.execute(
      sql.db,
    );
    const row = rows[0]!;
    return { orders: Number(row.orders), events: Number(row.events), relayed: Number(row.relayed) };
  } finally {
    await sql.close();
  }
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export async function runOrdersBenchmark(options: OrdersBenchOptions): Promise<void> {
  const machine = machineInfo();
  console.log('Throughline outbox cost on POST /api/v1/orders\n');
  if (machine.wrk === undefined) {
    console.log('  ! wrk is not installed: skipped (apt install wrk)');
    return;
  }
  const cpus = machine.taskset && machine.cores >= 2 ? [SERVER_CPU, LOAD_CPU] : undefined;
  const engine = options.postgresUrl === undefined ? 'PGlite' : 'PostgreSQL';
  console.log(
    `  ${engine}; wrk 1 thread, ${options.connections} connections; ${options.rounds} ×` +
      ` ${options.durationSec} s alternating after ${options.warmupSec} s warm-up; workers ${options.workers};` +
      (cpus === undefined
        ? ' not pinned'
        : ` servers on CPU ${SERVER_CPU}, wrk on CPU ${LOAD_CPU}`),
  );
  console.log(
    `  node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores, load average` +
      ` ${machine.loadAverage.join(' ')}, ${machine.wrk}`,
  );

  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-orders-'));
  const sides: Side[] = [];
  const servers = new Map<OutboxContenderId, DbServer>();
  const runs: OrdersRun[] = [];
  const tallies: Record<string, { orders: number; events: number; relayed: number }> = {};
  const runId = randomBytes(4).toString('hex');
  try {
    const prepared = performance.now();
    for (const id of ['outbox-on', 'outbox-off'] as const) {
      sides.push(await prepareSide(id, options, dataDir));
    }
    console.log(
      `  two ${engine} databases seeded (${PRODUCT_COUNT} products, stock ${STOCK.toLocaleString('en-US')} each)` +
        ` in ${Math.round(performance.now() - prepared)} ms\n`,
    );
    for (const side of sides) {
      const server = await startDbServer(SERVER, side.env, cpus?.[0]);
      servers.set(side.id, server);
      const origin = `http://127.0.0.1:${server.port}`;
      await checkOrder(origin, await signIn(origin), side.label);
    }
    const measure = async (side: Side, round: number, sec: number): Promise<OrdersRun> => {
      const server = servers.get(side.id)!;
      const origin = `http://127.0.0.1:${server.port}`;
      try {
        const token = await signIn(origin);
        const run = startOrdersLoad({
          origin,
          load: { token, keyPrefix: `${runId}-${side.id}-${round}`, productCount: PRODUCT_COUNT },
          connections: options.connections,
          durationSec: sec,
          cpu: cpus?.[1],
        });
        const cpu = trackCpu([server.pid, run.pid]);
        let result: LoadResult;
        let usage: CpuUsage;
        try {
          result = await run.result;
        } finally {
          usage = cpu.stop();
        }
        if (result.socketErrors > 0 || result.badStatus > 0) {
          throw new Error(
            `${result.socketErrors} socket errors, ${result.badStatus} error statuses`,
          );
        }
        return {
          contenderId: side.id,
          round,
          result,
          serverCpu: usage.byPid.get(server.pid),
          error: undefined,
        };
      } catch (error) {
        const message = server.exitReason() ?? String(error);
        return {
          contenderId: side.id,
          round,
          result: undefined,
          serverCpu: undefined,
          error: message,
        };
      }
    };
    if (options.warmupSec > 0) {
      for (const side of sides) await measure(side, 0, options.warmupSec);
    }
    for (let round = 1; round <= options.rounds; round++) {
      for (const side of rotate(sides, round - 1)) {
        const run = await measure(side, round, options.durationSec);
        runs.push(run);
        const head = `[round ${round}/${options.rounds}] ${side.label.padEnd(26)}`;
        console.log(
          run.result === undefined
            ? `${head} FAILED: ${run.error ?? ''}`
            : `${head} ${Math.round(run.result.rps).toLocaleString('en-US').padStart(6)} orders/s` +
                `  p50 ${run.result.latencyMs.p50.toFixed(2)} ms  p99 ${run.result.latencyMs.p99.toFixed(2)} ms` +
                `  (server cpu ${run.serverCpu === undefined ? '?' : `${Math.round(run.serverCpu * 100)}%`})`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    for (const side of sides) {
      if (servers.has(side.id)) {
        tallies[side.id] = await tally(side).catch((error: unknown) => {
          console.log(`  ! counting ${side.label}'s rows: ${String(error)}`);
          return { orders: -1, events: -1, relayed: -1 };
        });
      }
      await side.remove();
    }
    await rm(dataDir, { recursive: true, force: true });
  }

  const rows = summariseOrders(runs, sides);
  const cost = outboxCost(runs);
  console.log(`\nMedians of ${options.rounds} round(s); the cost from same-round pairs.\n`);
  console.log(formatOrders(rows, cost));
  console.log('');
  for (const side of sides) {
    const t = tallies[side.id];
    if (t === undefined) continue;
    console.log(
      `  ${side.label}: ${t.orders.toLocaleString('en-US')} orders in the database` +
        ` (the seed's included), ${t.events.toLocaleString('en-US')} order.placed events,` +
        ` ${t.relayed.toLocaleString('en-US')} relayed`,
    );
  }
  mkdirSync(dirname(options.out), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    method: {
      engine,
      tool: 'wrk',
      threads: 1,
      connections: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      rounds: options.rounds,
      workers: options.workers,
      pinned: cpus === undefined ? null : { server: SERVER_CPU, load: LOAD_CPU },
      request:
        'POST /api/v1/orders, one unit of one product, products round-robin, a fresh Idempotency-Key each',
    },
    summary: rows,
    cost,
    tallies,
    runs,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults written to ${options.out}`);
}

if (import.meta.main) {
  const options = parseOrdersOptions(process.argv.slice(2));
  if (options.help) process.stdout.write(ORDERS_USAGE);
  else await runOrdersBenchmark(options);
}
