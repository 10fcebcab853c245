// `npm run bench:search`: product search latency and throughput over the
// demo catalog at 10,000 and 100,000 products, for five query shapes
// (queries.ts): misspelt words, several words, text with filters, filters
// alone, and completions of what is being typed.
//
// Three contenders, measured in the same rounds:
// - the service over HTTP (bench/db/servers/throughline.ts: createService,
//   the full pipeline, product cache off) under a closed-loop load of
//   `--connections` clients cycling through a shape's requests — what a
//   client sees, and what the targets are about;
// - the search adapter called in process by a closed loop of as many
//   callers (closed-loop.ts), on a pool as large as the service's — the
//   database's share of the latency, without HTTP;
// - the ILIKE baseline (naive-search.ts) called the same way: the pair
//   adapter/baseline compares two ways of querying on equal terms (the
//   baseline has no HTTP route of its own, and giving it one would measure
//   routing twice).
// Two clients by default, as many as the machine this was written on has
// cores: enough to keep both busy, few enough that a request rarely waits
// behind another one of ours — in a closed loop, every client added beyond
// that only lengthens the queue (latency ≈ clients ÷ throughput), so the p99
// would measure the chosen concurrency rather than the search. Nothing is
// pinned unless asked (--pin): on a small shared machine, a service bound to
// one busy core shows that core's neighbours in its tail.
// Rounds interleave every contender and shape (the order rotates by round),
// and the figures are medians over rounds; ratios to the baseline are
// medians of same-round ratios. The targets: on PostgreSQL at 100,000
// products, search p99 < 50 ms and suggest p99 < 15 ms, over HTTP.
//
// Without a PostgreSQL URL (DATABASE_URL, BENCH_POSTGRES_URL or
// --postgres-url) it falls back to PGlite and says so: the adapter and the
// baseline only (a PGlite directory belongs to one process, so the service
// cannot open it beside the runner), and no verdicts.
//
// Before measuring, every search must find products and every prefix a
// completion, and EXPLAIN (ANALYZE, BUFFERS) of one request per shape is
// printed: which indexes each statement reads.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPostgresSearch } from '../../src/adapters/search/postgres.ts';
import type { SearchEngine } from '../../src/ports/search.ts';
import type { LoadResult } from '../lib/load-result.ts';
import { machineInfo } from '../lib/machine.ts';
import { waitForQuiet } from '../lib/measure.ts';
import { startDbServer, type DbServer } from '../db/load.ts';
import { prepareCatalog, type Catalog } from './catalog.ts';
import { closedLoop } from './closed-loop.ts';
import { explainBaseline, explainRequest, formatPlans, type PlanSummary } from './explain.ts';
import { startPathsLoad, type HttpTool } from './load.ts';
import { createNaiveSearch, type NaiveSearch } from './naive-search.ts';
import {
  describeRequest,
  requestPath,
  SHAPES,
  type BenchRequest,
  type QueryShape,
  type ShapeId,
} from './queries.ts';
import {
  CONTENDER_LABELS,
  formatSearchTable,
  summariseSearch,
  targetVerdicts,
  type ContenderId,
  type SearchRun,
} from './summary.ts';

const SERVICE = fileURLToPath(new URL('../db/servers/throughline.ts', import.meta.url));
const SERVER_CPU = 0;
const LOAD_CPU = 1;
/** The service's default DATABASE_POOL_SIZE: the in-process callers get as many connections. */
const POOL_SIZE = 10;

export interface SearchBenchOptions {
  readonly sizes: readonly number[];
  readonly shapes: readonly ShapeId[];
  readonly rounds: number;
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  readonly quietWaitSec: number;
  /** Service on one CPU, load generator on the other (PostgreSQL is never pinned). */
  readonly pin: boolean;
  /** Undefined: PGlite. */
  readonly postgresUrl: string | undefined;
  readonly out: string;
}

export function parseSearchOptions(argv: readonly string[]): SearchBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sizes: { type: 'string', default: '10000,100000' },
      shapes: { type: 'string', default: SHAPES.map((s) => s.id).join(',') },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '2' },
      'quiet-wait': { type: 'string', default: '3' },
      pin: { type: 'boolean', default: false },
      'postgres-url': {
        type: 'string',
        default: process.env['BENCH_POSTGRES_URL'] ?? process.env['DATABASE_URL'] ?? '',
      },
      out: { type: 'string', default: 'bench/results/search-latest.json' },
    },
  });
  const whole = (name: string, text: string, min: number): number => {
    const n = Number(text.replaceAll('_', ''));
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const shapes = values.shapes.split(',').map((name) => {
    const found = SHAPES.find((s) => s.id === name.trim());
    if (found === undefined) {
      throw new Error(`--shapes: unknown shape "${name}" (${SHAPES.map((s) => s.id).join(', ')})`);
    }
    return found.id;
  });
  return {
    sizes: values.sizes.split(',').map((size) => whole('sizes', size.trim(), 100)),
    shapes,
    rounds: whole('rounds', values.rounds, 1),
    durationSec: whole('duration', values.duration, 1),
    warmupSec: whole('warmup', values.warmup, 0),
    connections: whole('connections', values.connections, 1),
    quietWaitSec: whole('quiet-wait', values['quiet-wait'], 0),
    pin: values.pin,
    postgresUrl: values['postgres-url'] === '' ? undefined : values['postgres-url'],
    out: values.out,
  };
}

/** The in-process call of request `index` of `shape` on the adapter or the baseline. */
function directCall(
  engine: SearchEngine | NaiveSearch,
  shape: QueryShape,
): (index: number) => Promise<unknown> {
  return (index) => {
    const request = shape.requests[index]!;
    return request.kind === 'search'
      ? engine.search(request.query)
      : engine.suggest(request.prefix);
  };
}

/** What each request finds on the adapter (it must find something) and on the baseline. */
async function checkRequests(
  engine: SearchEngine,
  baseline: NaiveSearch,
  shapes: readonly QueryShape[],
): Promise<string[]> {
  const notes: string[] = [];
  for (const shape of shapes) {
    let baselineFinds = 0;
    for (const request of shape.requests) {
      const [found, naive] =
        request.kind === 'search'
          ? [
              (await engine.search(request.query)).total,
              (await baseline.search(request.query)).total,
            ]
          : [
              (await engine.suggest(request.prefix)).length,
              (await baseline.suggest(request.prefix)).length,
            ];
      if (found === 0) throw new Error(`${describeRequest(request)} finds nothing`);
      if (naive > 0) baselineFinds++;
    }
    if (baselineFinds < shape.requests.length) {
      notes.push(
        `${shape.id}: the baseline finds something for ${baselineFinds} of ${shape.requests.length} requests`,
      );
    }
  }
  return notes;
}

async function checkHttp(origin: string, shapes: readonly QueryShape[]): Promise<void> {
  for (const shape of shapes) {
    for (const request of shape.requests) {
      const response = await fetch(origin + requestPath(request));
      const text = await response.text();
      if (response.status !== 200) {
        throw new Error(`${requestPath(request)} → ${response.status} ${text.slice(0, 300)}`);
      }
    }
  }
}

interface SizeResult {
  readonly runs: SearchRun[];
  readonly plans: {
    shape: ShapeId;
    request: string;
    adapter: PlanSummary[];
    baseline: PlanSummary[];
  }[];
  readonly notes: string[];
}

function progress(run: SearchRun, rounds: number): string {
  const head =
    `[${run.products.toLocaleString('en-US')} ${run.shape} round ${run.round}/${rounds}] ` +
    CONTENDER_LABELS[run.contender].padEnd(27);
  if (run.result === undefined) return `${head} FAILED: ${run.error ?? ''}`;
  const { rps, latencyMs } = run.result;
  return (
    `${head} ${Math.round(rps).toLocaleString('en-US').padStart(6)} req/s` +
    `  p50 ${latencyMs.p50.toFixed(1).padStart(6)} ms  p99 ${latencyMs.p99.toFixed(1).padStart(6)} ms`
  );
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function measureSize(
  catalog: Catalog,
  options: SearchBenchOptions,
  tool: HttpTool,
  cpus: readonly [number, number] | undefined,
): Promise<SizeResult> {
  const shapes = SHAPES.filter((s) => options.shapes.includes(s.id));
  const database = await catalog.open(POOL_SIZE);
  let server: DbServer | undefined;
  try {
    const engine = createPostgresSearch(database);
    const baseline = createNaiveSearch(database);
    const notes = await checkRequests(engine, baseline, shapes);
    for (const note of notes) console.log(`  ${note}`);

    const plans: SizeResult['plans'] = [];
    console.log(
      `\nEXPLAIN (ANALYZE, BUFFERS), ${catalog.products.toLocaleString('en-US')} products:`,
    );
    for (const shape of shapes) {
      const request = shape.requests[0]!;
      const adapter = await explainRequest(database.db, request);
      const naive = await explainBaseline(database.db, request);
      plans.push({ shape: shape.id, request: describeRequest(request), adapter, baseline: naive });
      console.log(`  ${shape.id}: ${describeRequest(request)}`);
      for (const line of formatPlans(adapter)) console.log(`    adapter   ${line}`);
      for (const line of formatPlans(naive)) console.log(`    baseline  ${line}`);
    }

    const contenders: ContenderId[] = ['adapter', 'baseline'];
    if (catalog.engine === 'postgres') {
      server = await startDbServer(
        SERVICE,
        { ...catalog.serviceEnv, CACHE_ENABLED: 'false' },
        cpus?.[0],
      );
      await checkHttp(`http://127.0.0.1:${server.port}`, shapes);
      contenders.unshift('http');
    }
    const origin = server === undefined ? '' : `http://127.0.0.1:${server.port}`;
    const measureOnce = (
      contender: ContenderId,
      shape: QueryShape,
      durationSec: number,
    ): Promise<LoadResult> => {
      if (contender === 'http') {
        const gone = server?.exitReason();
        if (gone !== undefined) throw new Error(gone);
        return startPathsLoad({
          tool,
          origin,
          paths: shape.requests.map(requestPath),
          connections: options.connections,
          durationSec,
          cpu: cpus?.[1],
        }).result;
      }
      return closedLoop({
        call: directCall(contender === 'adapter' ? engine : baseline, shape),
        count: shape.requests.length,
        concurrency: options.connections,
        durationSec,
      });
    };

    if (options.warmupSec > 0) {
      for (const shape of shapes) {
        for (const contender of contenders) await measureOnce(contender, shape, options.warmupSec);
      }
    }
    console.log('');
    const runs: SearchRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const shape of rotate(shapes, round - 1)) {
        for (const contender of rotate(contenders, round - 1)) {
          await waitForQuiet(options.quietWaitSec);
          const base = { products: catalog.products, shape: shape.id, contender, round };
          let run: SearchRun;
          try {
            const result = await measureOnce(contender, shape, options.durationSec);
            const failed = result.socketErrors + result.badStatus;
            run =
              failed > 0
                ? { ...base, result: undefined, error: `${failed} errors or bad statuses` }
                : { ...base, result, error: undefined };
          } catch (error) {
            run = { ...base, result: undefined, error: server?.exitReason() ?? String(error) };
          }
          runs.push(run);
          console.log(progress(run, options.rounds));
        }
      }
    }
    return { runs, plans, notes };
  } finally {
    await server?.stop();
    await database.close();
  }
}

export async function runSearchBenchmark(options: SearchBenchOptions): Promise<void> {
  const machine = machineInfo();
  const tool: HttpTool = machine.wrk === undefined ? 'autocannon' : 'wrk';
  const cpus: readonly [number, number] | undefined =
    options.pin && machine.taskset && machine.cores >= 2 ? [SERVER_CPU, LOAD_CPU] : undefined;
  const onPostgres = options.postgresUrl !== undefined;
  console.log('Throughline search benchmark\n');
  for (const shape of SHAPES.filter((s) => options.shapes.includes(s.id))) {
    console.log(`  ${shape.id}: ${shape.description} (${shape.requests.length} requests in turn)`);
  }
  console.log(
    `  node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `load average ${machine.loadAverage.join(' ')}`,
  );
  console.log(
    `  ${options.connections} concurrent clients (closed loop); ${options.rounds} × ${options.durationSec} s ` +
      `per contender and shape, interleaved, after ${options.warmupSec} s warm-up; HTTP load: ` +
      (tool === 'wrk' ? machine.wrk! : 'autocannon (wrk not installed: latencies in whole ms)') +
      (cpus === undefined
        ? ', not pinned'
        : `; service on CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}`),
  );
  const notes: string[] = [];
  if (!onPostgres) {
    const note =
      'No PostgreSQL URL (DATABASE_URL, BENCH_POSTGRES_URL, --postgres-url): running on PGlite, ' +
      'adapter and baseline only (the service cannot open a PGlite directory the runner holds), no verdicts';
    notes.push(note);
    console.log(`\n  ! ${note}`);
  }

  const runs: SearchRun[] = [];
  const details: {
    products: number;
    seedMs: number;
    plans: SizeResult['plans'];
    notes: string[];
  }[] = [];
  for (const products of options.sizes) {
    console.log(`\nSeeding ${products.toLocaleString('en-US')} products…`);
    const catalog = await prepareCatalog(products, options.postgresUrl);
    console.log(
      `  ${catalog.engine === 'postgres' ? 'PostgreSQL' : 'PGlite'} ${catalog.where}: ` +
        `${products.toLocaleString('en-US')} products seeded, migrated and analysed in ${Math.round(catalog.seedMs)} ms`,
    );
    try {
      const result = await measureSize(catalog, options, tool, cpus);
      runs.push(...result.runs);
      details.push({ products, seedMs: catalog.seedMs, plans: result.plans, notes: result.notes });
    } finally {
      await catalog.remove();
    }
  }

  const rows = summariseSearch(runs, { targetsApply: onPostgres });
  console.log(
    `\n${onPostgres ? 'PostgreSQL' : 'PGlite'}; medians of ${options.rounds} round(s); ratios: median of same-round ratios, adapter over baseline.\n`,
  );
  console.log(formatSearchTable(rows));
  console.log('');
  const verdicts = targetVerdicts(rows, onPostgres);
  for (const verdict of verdicts) console.log(`target: ${verdict}`);

  mkdirSync(dirname(options.out), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    method: {
      engine: onPostgres ? 'postgres' : 'pglite',
      shapes: SHAPES.filter((s) => options.shapes.includes(s.id)).map((s) => ({
        id: s.id,
        description: s.description,
        requests: s.requests.map((r: BenchRequest) => describeRequest(r)),
      })),
      httpTool: tool,
      connections: options.connections,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      rounds: options.rounds,
      pinned: cpus === undefined ? null : { server: SERVER_CPU, load: LOAD_CPU, postgres: null },
    },
    verdicts,
    summary: rows,
    sizes: details,
    runs,
    notes,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Results written to ${options.out}`);
}

if (import.meta.main) await runSearchBenchmark(parseSearchOptions(process.argv.slice(2)));
