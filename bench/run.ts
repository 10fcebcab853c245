// `npm run bench`: Throughline against raw node:http and Fastify, same
// routes, same requests, same machine, interleaved rounds, medians; then the
// job queue's throughput (queue/run.ts) and the outbox's cost on POST /orders
// (orders/run.ts). `--suites` picks among the three.
// See docs/performance.md for the method and how to read the output.

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { CASES, type BenchCase } from './lib/cases.ts';
import { CONTENDERS, type Contender } from './lib/contenders.ts';
import { machineInfo, type MachineInfo } from './lib/machine.ts';
import {
  DISTURBED,
  measure,
  prepareServer,
  type CaseServer,
  type MeasureSettings,
} from './lib/measure.ts';
import { parseOptions, USAGE, type BenchOptions } from './lib/options.ts';
import { parseOrdersOptions, runOrdersBenchmark } from './orders/run.ts';
import { parseQueueOptions, runQueueBenchmark } from './queue/run.ts';
import {
  describeTargets,
  formatTable,
  runWarnings,
  summarise,
  TARGETS,
  type RunRecord,
} from './lib/report.ts';

const SERVER_CPU = 0;
const LOAD_CPU = 1;

function describeMethod(options: BenchOptions, settings: MeasureSettings): string[] {
  const pinning =
    settings.cpus === undefined
      ? 'not pinned (scheduler decides; expect more noise)'
      : `server pinned to CPU ${SERVER_CPU}, ${settings.tool} pinned to CPU ${LOAD_CPU} (taskset)`;
  const load =
    settings.tool === 'wrk'
      ? `wrk, 1 thread, ${options.connections} keep-alive connections`
      : `autocannon, ${options.connections} connections, pipelining 1`;
  return [
    `load:      ${load}`,
    `pinning:   ${pinning}`,
    `servers:   one process per contender and case (NODE_ENV=production), response checked,`,
    `           then ${options.warmupSec} s warm-up; the two full pipelines write an access log line`,
    `           per request to a file in ${tmpdir()}, the others log nothing per request`,
    `rounds:    ${options.rounds} × ${options.durationSec} s per contender, interleaved (order rotates each round);`,
    `           req/s and p99 are medians over rounds, ratios are medians of same-round ratios`,
    `noise:     waits ≤ ${options.quietWaitSec} s for an idle machine before each run; a run during which other`,
    `           processes used > ${DISTURBED} of a core is repeated (≤ ${options.retries}×), the calmest attempt kept`,
    ...describeTargets().map((line, i) => (i === 0 ? 'targets:' : '').padEnd(11) + line),
  ];
}

function describeMachine(m: MachineInfo): string[] {
  return [
    `node:      ${m.node} (V8 ${m.v8})`,
    `cpu:       ${m.cpuModel}, ${m.cores} cores`,
    `os:        ${m.os}, ${m.memoryGiB} GiB RAM, load average ${m.loadAverage.join(' ')}`,
    `versions:  ${Object.entries(m.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `wrk:       ${m.wrk ?? 'not installed'}`,
  ];
}

function chooseTool(options: BenchOptions, machine: MachineInfo): 'wrk' | 'autocannon' {
  if (options.tool === 'wrk' && machine.wrk === undefined) throw new Error('wrk is not installed');
  return options.tool ?? (machine.wrk === undefined ? 'autocannon' : 'wrk');
}

/** Rotating the start each round keeps any drift (thermal, neighbours) from always hitting the same contender. */
function rotate<T>(list: readonly T[], by: number): T[] {
  const k = list.length === 0 ? 0 : by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function progressLine(
  round: number,
  rounds: number,
  c: BenchCase,
  who: Contender,
  run: RunRecord,
): string {
  const head = `[round ${round}/${rounds}] ${c.id.padEnd(14)} ${who.label.padEnd(30)}`;
  if (run.result === undefined) return `${head} FAILED: ${run.error ?? ''}`;
  const cpu = (v: number | undefined): string =>
    v === undefined ? '?' : `${Math.round(v * 100)}%`;
  return (
    `${head} ${Math.round(run.result.rps).toLocaleString('en-US').padStart(8)} req/s` +
    `  p99 ${run.result.latencyMs.p99.toFixed(2)} ms  (cpu: server ${cpu(run.serverCpu)},` +
    ` load ${cpu(run.loadCpu)}, others ${cpu(run.othersCpu)}${run.attempts > 1 ? `; ${run.attempts} attempts` : ''})`
  );
}

async function runHttpCases(options: BenchOptions): Promise<void> {
  const machine = machineInfo();
  const tool = chooseTool(options, machine);
  const pinned = options.pin && machine.taskset && machine.cores >= 2;
  const settings: MeasureSettings = {
    tool,
    durationSec: options.durationSec,
    warmupSec: options.warmupSec,
    connections: options.connections,
    cpus: pinned ? [SERVER_CPU, LOAD_CPU] : undefined,
    retries: options.retries,
    quietWaitSec: options.quietWaitSec,
  };
  const cases = CASES.filter((c) => options.cases.includes(c.id));
  const contenders = CONTENDERS.filter((c) => options.contenders.includes(c.id));

  console.log('Throughline benchmark\n');
  for (const line of [...describeMachine(machine), ...describeMethod(options, settings)]) {
    console.log(`  ${line}`);
  }
  const globalWarnings: string[] = [];
  if (options.pin && !pinned) {
    globalWarnings.push(
      'could not pin processes (needs taskset and ≥ 2 cores): server and load generator share CPUs',
    );
  }
  if (tool === 'autocannon') {
    globalWarnings.push(
      'autocannon (JavaScript) needs more CPU per request than wrk; fast servers may be under-measured',
    );
  }
  const perCase =
    contenders.length * (options.warmupSec + 1 + options.rounds * (options.durationSec + 1));
  const total = perCase * cases.length;
  console.log(
    `\n  about ${Math.ceil(total / 60)} min for ${cases.length * contenders.length * options.rounds} runs\n`,
  );

  const runs: RunRecord[] = [];
  const failed = (round: number, c: BenchCase, who: Contender, error: unknown): RunRecord => ({
    round,
    caseId: c.id,
    contenderId: who.id,
    result: undefined,
    serverCpu: undefined,
    loadCpu: undefined,
    othersCpu: undefined,
    attempts: 1,
    error: (error instanceof Error ? error.message : String(error))
      .split('\n')
      .slice(0, 6)
      .join(' | '),
  });
  for (const benchCase of cases) {
    console.log(`${benchCase.id}: ${benchCase.description}`);
    const ready: CaseServer[] = [];
    for (const contender of contenders) {
      try {
        ready.push(await prepareServer(contender, benchCase, settings));
      } catch (error) {
        for (let round = 1; round <= options.rounds; round++) {
          runs.push(failed(round, benchCase, contender, error));
        }
        console.log(progressLine(1, options.rounds, benchCase, contender, runs.at(-1)!));
      }
    }
    try {
      for (let round = 1; round <= options.rounds; round++) {
        for (const target of rotate(ready, round - 1)) {
          let run: RunRecord;
          try {
            const m = await measure(target, benchCase, settings);
            run = {
              round,
              caseId: benchCase.id,
              contenderId: target.contender.id,
              ...m,
              error: undefined,
            };
          } catch (error) {
            run = failed(round, benchCase, target.contender, error);
          }
          runs.push(run);
          console.log(progressLine(round, options.rounds, benchCase, target.contender, run));
        }
      }
    } finally {
      await Promise.all(ready.map((r) => r.server.stop()));
    }
  }

  const rows = summarise(
    runs,
    cases.map((c) => c.id),
  );
  const warnings = [...globalWarnings, ...runs.flatMap((r) => runWarnings(r, tool))];
  console.log(
    `\nMedians of ${options.rounds} round(s); spread = half the min–max range of req/s across` +
      ` rounds; × columns = median of same-round ratios.\n`,
  );
  console.log(formatTable(rows));
  const checks = rows.flatMap((r) => r.targets);
  const missed = checks.filter((t) => !t.pass).length;
  console.log(`\nTargets: ${checks.length - missed}/${checks.length} PASS, ${missed} MISS`);
  if (warnings.length > 0) {
    console.log('\nWarnings:');
    for (const warning of warnings) console.log(`  ! ${warning}`);
  }

  mkdirSync(dirname(options.out), { recursive: true });
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    method: {
      tool,
      connections: options.connections,
      threads: tool === 'wrk' ? 1 : undefined,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      rounds: options.rounds,
      retries: options.retries,
      quietWaitSec: options.quietWaitSec,
      disturbedAboveCores: DISTURBED,
      pinned: settings.cpus === undefined ? null : { server: SERVER_CPU, load: LOAD_CPU },
    },
    targets: TARGETS,
    summary: rows,
    runs,
    warnings,
  };
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nResults written to ${options.out}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.suites.includes('http')) await runHttpCases(options);
  // These two take their settings from the environment (BENCH_QUEUE_*,
  // BENCH_ORDERS_*, DATABASE_URL, REDIS_URL) or their own scripts' flags.
  if (options.suites.includes('queue')) {
    const quick = ['--jobs', '1000', '--rounds', '1', '--warmup', '100'];
    console.log('');
    await runQueueBenchmark(parseQueueOptions(options.quick ? quick : []));
  }
  if (options.suites.includes('orders')) {
    const quick = ['--rounds', '1', '--duration', '3', '--warmup', '1'];
    console.log('');
    await runOrdersBenchmark(parseOrdersOptions(options.quick ? quick : []));
  }
}

await main();
