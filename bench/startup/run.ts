// `npm run bench:startup`: how long the service takes from `node
// src/wiring/main.ts` to a 200 from /readyz, on the embedded database and the
// default (development) settings, as `npm start` runs it:
//
//   first start                  an empty DATA_DIR: create the database, migrate, load the demo data
//   restart (10k products)       that directory again, after a clean SIGTERM stop
//   first start, no demo data    an empty DATA_DIR with SEED_ON_START=false
//   restart (schema only)        that directory again
//   first start, nothing cached  an empty DATA_DIR and an empty template directory
//                                (PGLITE_TEMPLATE_DIR): what the very first start on a machine costs
//
// Unmeasured starts first fill the compile cache and the template directory,
// as any earlier start on the machine would have. Rounds run every row in
// turn; the table shows medians, each row with its target and PASS/MISS.
// `--entry` times another checkout's main.ts; `--baseline <main.ts>` times a
// second one in the same rounds, alternating which goes first, and adds the
// ratio of the medians — a before/after that a busy machine slows alike.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { wholeNumber } from '../lib/options.ts';
import { boot, type Boot } from './boot.ts';

const DEFAULT_ENTRY = fileURLToPath(new URL('../../src/wiring/main.ts', import.meta.url));

const USAGE = `Usage: npm run bench:startup -- [options]

  --rounds <n>      rounds; medians are taken over them (default 5)
  --entry <file>    the entry to time (default src/wiring/main.ts of this checkout)
  --baseline <file> another checkout's src/wiring/main.ts, timed in the same rounds
  --rows <list>     comma-separated subset of: ${['first', 'restart', 'first-no-demo', 'restart-schema', 'first-cold'].join(', ')}
`;

type RowId = 'first' | 'restart' | 'first-no-demo' | 'restart-schema' | 'first-cold';

interface Row {
  readonly id: RowId;
  readonly label: string;
  readonly targetMs: number;
}

const ROWS: readonly Row[] = [
  { id: 'first', label: 'first start (empty DATA_DIR, demo data)', targetMs: 4000 },
  { id: 'restart', label: 'restart (10k products)', targetMs: 1000 },
  {
    id: 'first-no-demo',
    label: 'first start (empty DATA_DIR, SEED_ON_START=false)',
    targetMs: 4000,
  },
  { id: 'restart-schema', label: 'restart (schema only)', targetMs: 1000 },
  { id: 'first-cold', label: 'first start, nothing cached (empty template dir)', targetMs: 4000 },
];

interface Sample {
  readonly wallMs: number;
  readonly reportedMs: number | undefined;
  readonly cpuMs: number | undefined;
}

function parseOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '5' },
      entry: { type: 'string', default: DEFAULT_ENTRY },
      baseline: { type: 'string' },
      rows: { type: 'string', default: ROWS.map((row) => row.id).join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const rows = values.rows.split(',').map((id) => {
    const row = ROWS.find((candidate) => candidate.id === id.trim());
    if (row === undefined) throw new Error(`unknown row ${id}\n${USAGE}`);
    return row;
  });
  return {
    rounds: wholeNumber('rounds', values.rounds, 1),
    entry: resolve(values.entry),
    baseline: values.baseline === undefined ? undefined : resolve(values.baseline),
    rows,
    help: values.help,
  };
}

type Samples = Map<RowId, Sample[]>;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const entries =
    options.baseline === undefined ? [options.entry] : [options.entry, options.baseline];
  const scratch = await mkdtemp(join(tmpdir(), 'throughline-bench-startup-'));
  try {
    const results = new Map<string, Samples>(
      entries.map((entry) => [entry, new Map(options.rows.map((row) => [row.id, []]))]),
    );
    for (const [index, entry] of entries.entries()) {
      process.stdout.write(`entry ${index + 1}: ${entry}\nwarm-up starts (not measured)…\n`);
      const warm = join(scratch, `warm-up-${index}`);
      await (await starter(entry, scratch)(join(warm, 'demo'))).stop();
      await (await starter(entry, scratch)(join(warm, 'schema'), NO_DEMO)).stop();
    }
    for (let round = 1; round <= options.rounds; round++) {
      // Alternate which entry goes first, so drift on the machine hits both alike.
      const order = round % 2 === 1 ? entries : [...entries].reverse();
      for (const entry of order) {
        const dir = join(scratch, `round-${round}`);
        await runRound(options.rows, starter(entry, scratch), dir, results.get(entry)!);
        await rm(dir, { recursive: true, force: true });
      }
      process.stdout.write(`round ${round}/${options.rounds} done\n`);
    }
    const [after, before] = entries.map((entry) => results.get(entry)!);
    process.stdout.write(`\n${formatTable(options.rows, after!, before)}\n`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const NO_DEMO = { SEED_ON_START: 'false' };

function starter(entry: string, scratch: string) {
  // One template directory per entry, shared by its rounds.
  const templates = join(scratch, `templates-${entry.replace(/[^\w]+/g, '-')}`);
  return (dataDir: string, env: Record<string, string> = {}) =>
    boot({ entry, dataDir, env: { PGLITE_TEMPLATE_DIR: templates, ...env } });
}

async function runRound(
  rows: readonly Row[],
  start: ReturnType<typeof starter>,
  dir: string,
  samples: Samples,
): Promise<void> {
  const wanted = new Set(rows.map((row) => row.id));
  const record = (id: RowId, started: Boot): void => {
    samples.get(id)?.push({
      wallMs: started.wallMs,
      reportedMs: started.reportedMs,
      cpuMs: started.cpuMs,
    });
  };
  if (wanted.has('first') || wanted.has('restart')) {
    const first = await start(join(dir, 'demo'));
    record('first', first);
    await first.stop();
    if (wanted.has('restart')) {
      const again = await start(join(dir, 'demo'));
      record('restart', again);
      await again.stop();
    }
  }
  if (wanted.has('first-no-demo') || wanted.has('restart-schema')) {
    const first = await start(join(dir, 'schema'), NO_DEMO);
    record('first-no-demo', first);
    await first.stop();
    if (wanted.has('restart-schema')) {
      const again = await start(join(dir, 'schema'), NO_DEMO);
      record('restart-schema', again);
      await again.stop();
    }
  }
  if (wanted.has('first-cold')) {
    const cold = await start(join(dir, 'cold'), {
      PGLITE_TEMPLATE_DIR: join(dir, 'cold-templates'),
    });
    record('first-cold', cold);
    await cold.stop();
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOf(samples: readonly Sample[], pick: (sample: Sample) => number | undefined) {
  const values = samples.flatMap((sample) => {
    const value = pick(sample);
    return value === undefined ? [] : [value];
  });
  return values.length === 0 ? undefined : median(values);
}

function formatTable(rows: readonly Row[], after: Samples, before: Samples | undefined): string {
  const ms = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value)} ms`);
  const header = [
    'start',
    'median to /readyz 200',
    'min',
    'max',
    'readyMs (in process)',
    'CPU until ready',
  ];
  if (before !== undefined) header.push('baseline median', 'ratio', 'baseline CPU', 'CPU ratio');
  header.push('target', '');
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 ? ' --- ' : ' --: ')).join('|')}|`,
  ];
  for (const row of rows) {
    const taken = after.get(row.id) ?? [];
    if (taken.length === 0) continue;
    const walls = taken.map((sample) => sample.wallMs);
    const wall = median(walls);
    const cpu = medianOf(taken, (sample) => sample.cpuMs);
    const cells = [
      row.label,
      ms(wall),
      ms(Math.min(...walls)),
      ms(Math.max(...walls)),
      ms(medianOf(taken, (sample) => sample.reportedMs)),
      ms(cpu),
    ];
    if (before !== undefined) {
      const base = before.get(row.id) ?? [];
      const baseWall = medianOf(base, (sample) => sample.wallMs);
      const baseCpu = medianOf(base, (sample) => sample.cpuMs);
      const ratio = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`;
      cells.push(ms(baseWall), ratio(wall, baseWall), ms(baseCpu), ratio(cpu, baseCpu));
    }
    cells.push(`< ${ms(row.targetMs)}`, wall < row.targetMs ? 'PASS' : 'MISS');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

await main();
