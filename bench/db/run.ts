// `npm run bench:db`: two database reads through the real service on PGlite
// and on PostgreSQL, against Fastify + node-postgres on the same PostgreSQL
// database:
// - product-read: GET /api/v1/products/:id, a row by primary key with its
//   brand and category joined, ids 1..10,000 round-robin;
// - product-list: GET /api/v1/products filtered by category and a price
//   floor, sorted by price descending, 20 per page, with the total count —
//   36 filter combinations in turn. The Fastify server runs the catalog's own
//   list code (request parsing, the compiled page and count queries, the
//   envelope), so the comparison is of everything around it.
// Same method as `npm run bench`: server pinned to CPU 0, wrk pinned to CPU 1,
// interleaved rounds, medians. PostgreSQL itself is not pinned (it runs
// wherever the OS puts it) and serves both PostgreSQL legs.

import { isDeepStrictEqual, parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineBusy, trackCpu, type CpuUsage } from '../lib/cpu-usage.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { DISTURBED } from '../lib/measure.ts';
import { machineInfo } from '../lib/machine.ts';
import { PRODUCT_COUNT, preparePglite, preparePostgres, type BenchPostgres } from './databases.ts';
import { startDbServer, startRoundRobinWrk, type DbServer, type LoadTarget } from './load.ts';
import {
  formatDbTable,
  summariseDb,
  targetVerdict,
  TARGET,
  type DbCaseId,
  type DbContenderId,
  type DbRun,
} from './summary.ts';

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const PATH_PREFIX = '/api/v1/products/';
const SERVERS = fileURLToPath(new URL('./servers/', import.meta.url));

/** The seed's categories (src/db/seed.ts). */
const CATEGORIES = [
  'audio',
  'cameras',
  'computers',
  'gaming',
  'home',
  'kitchen',
  'outdoor',
  'phones',
  'sports',
  'tools',
  'toys',
  'wearables',
];
const PRICE_FLOORS = [1_000, 15_000, 30_000];

export const LIST_PATHS: readonly string[] = CATEGORIES.flatMap((category) =>
  PRICE_FLOORS.map(
    (floor) => `/api/v1/products?category=${category}&minPrice=${floor}&sort=-price&limit=20`,
  ),
);

interface BenchCase {
  readonly id: DbCaseId;
  readonly endpoint: string;
  readonly requests: string;
  readonly target: LoadTarget;
  /** Every contender must answer these identically before anything is measured. */
  readonly checks: readonly string[];
}

const CASES: readonly BenchCase[] = [
  {
    id: 'product-read',
    endpoint: 'GET /api/v1/products/:id',
    requests: `ids 1..${PRODUCT_COUNT} round-robin`,
    target: { kind: 'ids', pathPrefix: PATH_PREFIX, count: PRODUCT_COUNT },
    checks: [`${PATH_PREFIX}1`, `${PATH_PREFIX}${PRODUCT_COUNT}`],
  },
  {
    id: 'product-list',
    endpoint: 'GET /api/v1/products?category=…&minPrice=…&sort=-price&limit=20',
    requests: `${LIST_PATHS.length} filter combinations in turn`,
    target: { kind: 'paths', paths: LIST_PATHS },
    checks: [LIST_PATHS[0]!, LIST_PATHS.at(-1)!],
  },
];

export interface DbBenchOptions {
  readonly rounds: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  readonly quietWaitSec: number;
  readonly postgresUrl: string;
  readonly out: string;
  readonly cases: readonly DbCaseId[];
}

export function parseDbOptions(argv: readonly string[]): DbBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      'quiet-wait': { type: 'string', default: '20' },
      'postgres-url': {
        type: 'string',
        default: process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
      out: { type: 'string', default: 'bench/results/db-latest.json' },
      cases: { type: 'string', default: CASES.map((c) => c.id).join(',') },
    },
  });
  const cases = values.cases.split(',').map((name) => {
    const found = CASES.find((c) => c.id === name.trim());
    if (found === undefined) {
      throw new Error(`--cases: unknown case "${name}" (${CASES.map((c) => c.id).join(', ')})`);
    }
    return found.id;
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number`);
    return n;
  };
  return {
    rounds: Math.max(1, positive('rounds', values.rounds)),
    durationSec: Math.max(1, positive('duration', values.duration)),
    warmupSec: positive('warmup', values.warmup),
    connections: Math.max(1, positive('connections', values.connections)),
    quietWaitSec: positive('quiet-wait', values['quiet-wait']),
    postgresUrl: values['postgres-url'],
    out: values.out,
    cases,
  };
}

interface Contender {
  readonly id: DbContenderId;
  readonly label: string;
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Ready {
  readonly contender: Contender;
  readonly server: DbServer;
}

/** Every contender must answer 200 with the same body and ETag, or the run is meaningless. */
async function checkAnswers(ready: readonly Ready[], benchCase: BenchCase): Promise<void> {
  for (const path of benchCase.checks) {
    let reference: { body: unknown; etag: string | null; who: string } | undefined;
    for (const { contender, server } of ready) {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      const text = await response.text();
      if (response.status !== 200) {
        throw new Error(`${contender.label}: ${path} → ${response.status} ${text}`);
      }
      const body = JSON.parse(text) as { data?: unknown[] };
      if (body.data !== undefined && body.data.length === 0) {
        throw new Error(`${contender.label}: ${path} → an empty page`);
      }
      const answer = { body: body as unknown, etag: response.headers.get('etag') };
      reference ??= { ...answer, who: contender.label };
      if (!isDeepStrictEqual(answer.body, reference.body) || answer.etag !== reference.etag) {
        throw new Error(`${contender.label} and ${reference.who} disagree on ${path}`);
      }
    }
  }
}

async function waitForQuiet(maxSec: number): Promise<void> {
  const deadline = performance.now() + maxSec * 1000;
  while (performance.now() < deadline) {
    const busy = await machineBusy(500);
    if (busy === undefined || busy <= DISTURBED) return;
  }
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function load(
  server: DbServer,
  benchCase: BenchCase,
  options: DbBenchOptions,
  sec: number,
  cpu: number | undefined,
) {
  return startRoundRobinWrk({
    origin: `http://127.0.0.1:${server.port}`,
    target: benchCase.target,
    connections: options.connections,
    durationSec: sec,
    cpu,
  });
}

async function measureOnce(
  target: Ready,
  benchCase: BenchCase,
  round: number,
  options: DbBenchOptions,
  cpus: readonly [number, number] | undefined,
): Promise<DbRun> {
  const base = { caseId: benchCase.id, round, contenderId: target.contender.id };
  try {
    await waitForQuiet(options.quietWaitSec);
    const gone = target.server.exitReason();
    if (gone !== undefined) throw new Error(gone);
    const run = load(target.server, benchCase, options, options.durationSec, cpus?.[1]);
    const cpu = trackCpu([target.server.pid, run.pid]);
    let usage: CpuUsage;
    let result: LoadResult;
    try {
      result = await run.result;
    } finally {
      usage = cpu.stop();
    }
    if (result.socketErrors > 0 || result.badStatus > 0) {
      throw new Error(`${result.socketErrors} socket errors, ${result.badStatus} bad statuses`);
    }
    const serverCpu = usage.byPid.get(target.server.pid);
    return { ...base, result, serverCpu, othersCpu: usage.others, error: undefined };
  } catch (error) {
    const message = target.server.exitReason() ?? String(error);
    return {
      ...base,
      result: undefined,
      serverCpu: undefined,
      othersCpu: undefined,
      error: message,
    };
  }
}

function progress(run: DbRun, label: string, rounds: number): string {
  const head = `[${run.caseId} round ${run.round}/${rounds}] ${label.padEnd(24)}`;
  if (run.result === undefined) return `${head} FAILED: ${run.error ?? ''}`;
  const pct = (v: number | undefined): string =>
    v === undefined ? '?' : `${Math.round(v * 100)}%`;
  return (
    `${head} ${Math.round(run.result.rps).toLocaleString('en-US').padStart(8)} req/s` +
    `  p99 ${run.result.latencyMs.p99.toFixed(2)} ms  (cpu: server ${pct(run.serverCpu)},` +
    ` others incl. postgres ${pct(run.othersCpu)})`
  );
}

export async function runDbBenchmark(options: DbBenchOptions): Promise<void> {
  const machine = machineInfo();
  if (machine.wrk === undefined) throw new Error('the database benchmark needs wrk');
  const cpus: readonly [number, number] | undefined =
    machine.taskset && machine.cores >= 2 ? [SERVER_CPU, LOAD_CPU] : undefined;
  const cases = CASES.filter((c) => options.cases.includes(c.id));
  console.log('Throughline database benchmark\n');
  for (const c of cases) console.log(`  ${c.id}: ${c.endpoint}, ${c.requests}`);
  console.log(
    `  node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores, ${machine.wrk}`,
  );
  console.log(
    `  wrk 1 thread, ${options.connections} connections;` +
      ` ${options.rounds} × ${options.durationSec} s interleaved after ${options.warmupSec} s warm-up;` +
      (cpus === undefined ? ' not pinned' : ` server on CPU ${SERVER_CPU}, wrk on CPU ${LOAD_CPU}`),
  );

  const contenders: Contender[] = [];
  const notes: string[] = [];
  let seeded = performance.now();
  const pglite = await preparePglite();
  console.log(
    `  PGlite seeded (${PRODUCT_COUNT} products) in ${Math.round(performance.now() - seeded)} ms`,
  );
  contenders.push({
    id: 'throughline-pglite',
    label: 'throughline + PGlite',
    script: `${SERVERS}throughline.ts`,
    env: { DATA_DIR: pglite.dataDir },
  });
  let postgres: BenchPostgres | undefined;
  seeded = performance.now();
  try {
    postgres = await preparePostgres(options.postgresUrl);
    console.log(
      `  PostgreSQL ${postgres.name} seeded in ${Math.round(performance.now() - seeded)} ms`,
    );
    contenders.push(
      {
        id: 'throughline-postgres',
        label: 'throughline + PostgreSQL',
        script: `${SERVERS}throughline.ts`,
        env: { DATA_DIR: pglite.dataDir, DATABASE_URL: postgres.url },
      },
      {
        id: 'fastify-pg',
        label: 'fastify + pg',
        script: `${SERVERS}fastify-pg.ts`,
        env: { DATABASE_URL: postgres.url },
      },
    );
  } catch (error) {
    const note = `PostgreSQL unreachable (${String(error)}): PostgreSQL legs skipped`;
    notes.push(note);
    console.log(`  ! ${note}`);
  }

  const runs: DbRun[] = [];
  const ready: Ready[] = [];
  try {
    for (const contender of contenders) {
      ready.push({
        contender,
        server: await startDbServer(contender.script, contender.env, cpus?.[0]),
      });
    }
    for (const benchCase of cases) await checkAnswers(ready, benchCase);
    for (const benchCase of cases) {
      for (const target of ready) {
        await load(target.server, benchCase, options, options.warmupSec, cpus?.[1]).result;
      }
      console.log('');
      for (let round = 1; round <= options.rounds; round++) {
        for (const target of rotate(ready, round - 1)) {
          const run = await measureOnce(target, benchCase, round, options, cpus);
          runs.push(run);
          console.log(progress(run, target.contender.label, options.rounds));
        }
      }
    }
  } finally {
    await Promise.all(ready.map((r) => r.server.stop()));
    await postgres?.drop();
    await pglite.remove();
  }

  const rows = summariseDb(runs, contenders);
  console.log(`\nMedians of ${options.rounds} round(s); × = median of same-round ratios.\n`);
  console.log(formatDbTable(rows));
  const verdict = targetVerdict(rows) ?? 'NOT MEASURED';
  console.log('');
  for (const c of cases) {
    console.log(
      `target ${c.id}: throughline+postgres ≥ ${TARGET.minimum.toFixed(1)}× fastify+pg — ${targetVerdict(rows, c.id) ?? 'NOT MEASURED'}`,
    );
  }
  mkdirSync(dirname(options.out), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    method: {
      cases: cases.map((c) => ({ id: c.id, endpoint: c.endpoint, requests: c.requests })),
      data: `seedDemoData, ${PRODUCT_COUNT} products, on every engine`,
      tool: 'wrk',
      threads: 1,
      connections: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      rounds: options.rounds,
      pinned: cpus === undefined ? null : { server: SERVER_CPU, load: LOAD_CPU, postgres: null },
    },
    target: { ...TARGET, verdict },
    summary: rows,
    runs,
    notes,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results written to ${options.out}`);
}

if (import.meta.main) await runDbBenchmark(parseDbOptions(process.argv.slice(2)));
