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
//
// The product cache (src/platform/cache/cache-aside.ts) is measured on the
// read, in the same rounds: the service with its cache off (the contender the
// earlier figures measured) and on — in process, and on Redis when a Redis
// URL is given — and Fastify serving the read through the same cache code.
// Before each measured run of a cached contender every product is read once,
// and its counters are read before and after the run, so the report says how
// many of the measured requests were hits and how many went to the database.
//
// `fastify + pg, named statements` is the baseline sending its queries as
// named statements, as the service does by default (DATABASE_NAMED_STATEMENTS):
// the targets are against plain `fastify + pg`, as a Fastify user writes it;
// the comparison with the named one says how much of the difference is the
// statements.
//
// Every Throughline contender runs the production pipeline (access log at
// info, rate limits on, servers/throughline.ts). The Fastify contenders are
// bare (no plugins, no log), except `fastify + plugins, cached`: the cached
// read behind the plugins that match that pipeline (bench/servers/fastify-plugins.ts).
//
// At the end, the embedded database's start-up (bench/startup/startups.ts):
// the first start on an empty directory and a restart, each to /readyz 200.
// Every target (summary.ts DB_TARGETS, and the two start-up ones) is printed
// with PASS or MISS, or NOT MEASURED when a side could not run.

import { isDeepStrictEqual, parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackCpu, type CpuUsage } from '../lib/cpu-usage.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { waitForQuiet } from '../lib/measure.ts';
import { machineInfo } from '../lib/machine.ts';
import {
  benchKeyPrefix,
  cacheCounters,
  checkRedis,
  readAll,
  removeKeys,
  settled,
  type CountersAccess,
} from './cache.ts';
import { SEED_CATEGORIES } from '../../src/wiring/seed.ts';
import { PRODUCT_COUNT, preparePglite, preparePostgres, type BenchPostgres } from './databases.ts';
import { startDbServer, startRoundRobinWrk, type DbServer, type LoadTarget } from './load.ts';
import { DEFAULT_ENTRY, formatTable, measureStartups, ROWS } from '../startup/startups.ts';
import {
  compareDb,
  counterDelta,
  formatCacheTable,
  formatComparisons,
  formatDbTable,
  summariseCache,
  checkDbTargets,
  formatTargets,
  summariseDb,
  type CacheCounters,
  type CacheRow,
  type DbCaseId,
  type DbContenderId,
  type DbRun,
} from './summary.ts';

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const PATH_PREFIX = '/api/v1/products/';
const SERVERS = fileURLToPath(new URL('./servers/', import.meta.url));

const PRICE_FLOORS = [1_000, 15_000, 30_000];

/** Below this many hits per database load, a cached contender did not measure the hit path. */
const MIN_HITS_PER_LOAD = 10;

const PRODUCT_PATHS: readonly string[] = Array.from(
  { length: PRODUCT_COUNT },
  (_, i) => `${PATH_PREFIX}${i + 1}`,
);

export const LIST_PATHS: readonly string[] = SEED_CATEGORIES.flatMap((category) =>
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
  /** The Redis-backed cache leg runs when set. */
  readonly redisUrl: string | undefined;
  readonly out: string;
  readonly cases: readonly DbCaseId[];
  /** Rounds of the start-up rows; 0 leaves them out. */
  readonly startupRounds: number;
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
        default:
          process.env['BENCH_POSTGRES_URL'] ??
          process.env['DATABASE_URL'] ??
          'postgres://postgres@127.0.0.1:5432/postgres',
      },
      'redis-url': { type: 'string', default: process.env['REDIS_URL'] ?? '' },
      out: { type: 'string', default: 'bench/results/db-latest.json' },
      cases: { type: 'string', default: CASES.map((c) => c.id).join(',') },
      'startup-rounds': { type: 'string', default: '5' },
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
    redisUrl: values['redis-url'] === '' ? undefined : values['redis-url'],
    out: values.out,
    cases,
    startupRounds: positive('startup-rounds', values['startup-rounds']),
  };
}

interface Contender {
  readonly id: DbContenderId;
  readonly label: string;
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** The cases it runs in; every case when absent (the cached contenders: the read only). */
  readonly cases?: readonly DbCaseId[];
  /** Cached contenders: where their counters are. */
  readonly counters?: CountersAccess;
}

const appliesTo = (contender: Contender, benchCase: BenchCase): boolean =>
  contender.cases === undefined || contender.cases.includes(benchCase.id);

interface Ready {
  readonly contender: Contender;
  readonly server: DbServer;
  /** The cache's counters, for cached contenders. */
  readonly counters: (() => Promise<CacheCounters>) | undefined;
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
    let before: CacheCounters | undefined;
    if (target.counters !== undefined) {
      // Every product into both tiers (or refreshed, if it went stale while
      // the other contenders ran), and the refreshes finished, so the
      // measured requests are hits.
      await readAll(`http://127.0.0.1:${target.server.port}`, PRODUCT_PATHS);
      before = await settled(target.counters);
    }
    const run = load(target.server, benchCase, options, options.durationSec, cpus?.[1]);
    const cpu = trackCpu([target.server.pid, run.pid]);
    let usage: CpuUsage;
    let result: LoadResult;
    try {
      result = await run.result;
    } finally {
      usage = cpu.stop();
    }
    const cache =
      before === undefined || target.counters === undefined
        ? undefined
        : counterDelta(before, await target.counters());
    if (result.socketErrors > 0 || result.badStatus > 0) {
      throw new Error(`${result.socketErrors} socket errors, ${result.badStatus} bad statuses`);
    }
    const serverCpu = usage.byPid.get(target.server.pid);
    return { ...base, result, serverCpu, othersCpu: usage.others, error: undefined, cache };
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
  const head = `[${run.caseId} round ${run.round}/${rounds}] ${label.padEnd(34)}`;
  if (run.result === undefined) return `${head} FAILED: ${run.error ?? ''}`;
  const pct = (v: number | undefined): string =>
    v === undefined ? '?' : `${Math.round(v * 100)}%`;
  const cache =
    run.cache === undefined
      ? ''
      : `  cache: ${run.cache.hits} hits (${run.cache.localHits} L1), ${run.cache.loads} loads`;
  return (
    `${head} ${Math.round(run.result.rps).toLocaleString('en-US').padStart(8)} req/s` +
    `  p99 ${run.result.latencyMs.p99.toFixed(2)} ms  (cpu: server ${pct(run.serverCpu)},` +
    ` others incl. postgres ${pct(run.othersCpu)})${cache}`
  );
}

/** Warnings for cached contenders whose measured requests were not mostly hits. */
function cacheWarnings(rows: readonly CacheRow[]): string[] {
  return rows.flatMap((row) => {
    const problems: string[] = [];
    if (row.hitsPerLoad === undefined || row.hitsPerLoad < MIN_HITS_PER_LOAD) {
      problems.push(`fewer than ${MIN_HITS_PER_LOAD} hits per database load: not the hit path`);
    }
    if (row.counters.errors > 0) problems.push(`${row.counters.errors} cache backend errors`);
    return problems.map((problem) => `! ${row.label}: ${problem}`);
  });
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
    env: { DATA_DIR: pglite.dataDir, CACHE_ENABLED: 'false' },
  });
  let postgres: BenchPostgres | undefined;
  let redis: { url: string; prefix: string } | undefined;
  seeded = performance.now();
  try {
    postgres = await preparePostgres(options.postgresUrl);
    console.log(
      `  PostgreSQL ${postgres.name} seeded in ${Math.round(performance.now() - seeded)} ms`,
    );
    const service = { DATA_DIR: pglite.dataDir, DATABASE_URL: postgres.url };
    const readOnly: readonly DbCaseId[] = ['product-read'];
    contenders.push(
      {
        id: 'throughline-postgres',
        label: 'throughline + PostgreSQL',
        script: `${SERVERS}throughline.ts`,
        env: { ...service, CACHE_ENABLED: 'false' },
      },
      {
        // Tracing on, as an OTLP endpoint turns it on: what it costs a read.
        id: 'throughline-postgres-tracing-10',
        label: 'throughline + PostgreSQL, tracing 10 %',
        script: `${SERVERS}throughline.ts`,
        env: { ...service, CACHE_ENABLED: 'false', TRACING_RATIO: '0.1' },
        cases: readOnly,
      },
      {
        id: 'throughline-postgres-tracing-100',
        label: 'throughline + PostgreSQL, tracing 100 %',
        script: `${SERVERS}throughline.ts`,
        env: { ...service, CACHE_ENABLED: 'false', TRACING_RATIO: '1' },
        cases: readOnly,
      },
      {
        id: 'fastify-pg',
        label: 'fastify + pg',
        script: `${SERVERS}fastify-pg.ts`,
        env: { DATABASE_URL: postgres.url, DATA_DIR: pglite.dataDir },
      },
      {
        id: 'fastify-pg-named',
        label: 'fastify + pg, named statements',
        script: `${SERVERS}fastify-pg.ts`,
        env: { DATABASE_URL: postgres.url, DATA_DIR: pglite.dataDir, PG_NAMED_STATEMENTS: 'true' },
      },
      {
        id: 'throughline-postgres-cached',
        label: 'throughline + PostgreSQL, cached',
        script: `${SERVERS}throughline.ts`,
        env: { ...service, CACHE_ENABLED: 'true' },
        cases: readOnly,
        counters: 'admin',
      },
    );
    if (options.redisUrl !== undefined) {
      try {
        await checkRedis(options.redisUrl);
        redis = { url: options.redisUrl, prefix: benchKeyPrefix() };
        console.log(`  Redis keys under ${redis.prefix}`);
        contenders.push({
          id: 'throughline-postgres-redis',
          label: 'throughline + PostgreSQL, Redis cache',
          script: `${SERVERS}throughline.ts`,
          env: {
            ...service,
            CACHE_ENABLED: 'true',
            REDIS_URL: redis.url,
            REDIS_KEY_PREFIX: redis.prefix,
          },
          cases: readOnly,
          counters: 'admin',
        });
      } catch (error) {
        const note = `Redis unreachable (${String(error)}): Redis cache leg skipped`;
        notes.push(note);
        console.log(`  ! ${note}`);
      }
    }
    contenders.push(
      {
        id: 'fastify-pg-cached',
        label: 'fastify + pg, cached',
        script: `${SERVERS}fastify-cached.ts`,
        env: { DATABASE_URL: postgres.url },
        cases: readOnly,
        counters: 'open',
      },
      {
        id: 'fastify-matched-cached',
        label: 'fastify + plugins, cached',
        script: `${SERVERS}fastify-cached.ts`,
        env: { DATABASE_URL: postgres.url, FASTIFY_PIPELINE: 'matched' },
        cases: readOnly,
        counters: 'open',
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
      if (!cases.some((c) => appliesTo(contender, c))) continue;
      const server = await startDbServer(contender.script, contender.env, cpus?.[0]);
      const counters =
        contender.counters === undefined
          ? undefined
          : cacheCounters(`http://127.0.0.1:${server.port}`, contender.counters);
      ready.push({ contender, server, counters });
    }
    const inCase = (benchCase: BenchCase): Ready[] =>
      ready.filter((r) => appliesTo(r.contender, benchCase));
    for (const benchCase of cases) await checkAnswers(inCase(benchCase), benchCase);
    for (const benchCase of cases) {
      for (const target of inCase(benchCase)) {
        await load(target.server, benchCase, options, options.warmupSec, cpus?.[1]).result;
      }
      console.log('');
      for (let round = 1; round <= options.rounds; round++) {
        for (const target of rotate(inCase(benchCase), round - 1)) {
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
    if (redis !== undefined) {
      const removed = await removeKeys(redis.url, redis.prefix).catch((error: unknown) => {
        console.log(`  ! Redis keys under ${redis?.prefix} not removed: ${String(error)}`);
        return 0;
      });
      console.log(`  Removed ${removed} Redis keys under ${redis.prefix}`);
    }
  }

  const rows = summariseDb(runs, contenders);
  console.log(`\nMedians of ${options.rounds} round(s); × = median of same-round ratios.\n`);
  console.log(formatDbTable(rows));
  const comparisons = compareDb(runs);
  const cacheRows = summariseCache(runs, contenders);
  if (comparisons.length > 0) {
    console.log('\nComparisons: median of same-round req/s ratios, median p99 of each side.\n');
    console.log(formatComparisons(comparisons));
  }
  if (cacheRows.length > 0) {
    console.log(
      '\nCache counters over the measured runs (L1: in process; L2: the kv store, Redis on the Redis leg).\n',
    );
    console.log(formatCacheTable(cacheRows));
    const warnings = cacheWarnings(cacheRows);
    for (const warning of warnings) console.log(warning);
    notes.push(...warnings);
  }
  const checks = checkDbTargets(runs);
  console.log('\nTargets: req/s as the median of same-round ratios; p99 no higher than theirs.\n');
  console.log(formatTargets(checks, new Map(contenders.map((c) => [c.id, c.label] as const))));
  const startup = await measureStartupRows(options.startupRounds);
  if (startup !== undefined) console.log(`\nStart-up on the embedded database\n\n${startup}`);
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
      cache:
        'service defaults (CACHE_* unset); before each measured run of a cached contender, ' +
        `every product read once and the refreshes waited for; Redis leg: ${redis === undefined ? 'not run' : 'run'}`,
    },
    targets: checks,
    startup: startup ?? null,
    summary: rows,
    cache: { comparisons, counters: cacheRows },
    runs,
    notes,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results written to ${options.out}`);
}

/** The first-start and restart rows, as `npm run bench:startup` prints them. */
async function measureStartupRows(rounds: number): Promise<string | undefined> {
  if (rounds === 0) return undefined;
  const rows = ROWS.filter((row) => row.id === 'first' || row.id === 'restart');
  console.log(`\nStart-up: ${rounds} round(s) of ${rows.map((r) => r.label).join(', ')}`);
  const [samples] = await measureStartups({
    entries: [DEFAULT_ENTRY],
    rows,
    rounds,
    log: (line) => {
      console.log(`  ${line}`);
    },
  });
  return formatTable(rows, samples!, undefined);
}

if (import.meta.main) await runDbBenchmark(parseDbOptions(process.argv.slice(2)));
