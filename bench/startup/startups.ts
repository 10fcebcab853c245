// Timing starts of the service, from `node <entry>` to a 200 from /readyz,
// on the embedded database and the default (development) settings, as
// `npm start` runs it (the rows are listed in ROWS). Used by `npm run
// bench:startup` (run.ts) and by `npm run bench:db`, which prints the first
// start and restart rows with the database figures.
//
// Unmeasured starts first fill the compile cache and the template directory,
// as any earlier start on the machine would have. Rounds run every row in
// turn; the table shows medians, each row with its target and PASS/MISS.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boot, type Boot } from './boot.ts';

export const DEFAULT_ENTRY = fileURLToPath(new URL('../../src/wiring/main.ts', import.meta.url));

export type RowId = 'first' | 'restart' | 'first-no-demo' | 'restart-schema' | 'first-cold';

export interface Row {
  readonly id: RowId;
  readonly label: string;
  readonly targetMs: number;
}

export const ROWS: readonly Row[] = [
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

export interface Sample {
  readonly wallMs: number;
  readonly reportedMs: number | undefined;
  readonly cpuMs: number | undefined;
}

export type Samples = Map<RowId, Sample[]>;

export interface StartupOptions {
  /** Entries to time in the same rounds (a second one is a before/after baseline). */
  readonly entries: readonly string[];
  readonly rows: readonly Row[];
  readonly rounds: number;
  readonly log?: (line: string) => void;
}

/** Samples per entry (in the order given) and row. */
export async function measureStartups(options: StartupOptions): Promise<Samples[]> {
  const { entries, rounds } = options;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const scratch = await mkdtemp(join(tmpdir(), 'throughline-bench-startup-'));
  try {
    const results = new Map<string, Samples>(
      entries.map((entry) => [entry, new Map(options.rows.map((row) => [row.id, []]))]),
    );
    for (const [index, entry] of entries.entries()) {
      log(`entry ${index + 1}: ${entry}\nwarm-up starts (not measured)…`);
      const warm = join(scratch, `warm-up-${index}`);
      await (await starter(entry, scratch)(join(warm, 'demo'))).stop();
      await (await starter(entry, scratch)(join(warm, 'schema'), NO_DEMO)).stop();
    }
    for (let round = 1; round <= rounds; round++) {
      // Alternate which entry goes first, so drift on the machine hits both alike.
      const order = round % 2 === 1 ? entries : [...entries].reverse();
      for (const entry of order) {
        const dir = join(scratch, `round-${round}`);
        await runRound(options.rows, starter(entry, scratch), dir, results.get(entry)!);
        await rm(dir, { recursive: true, force: true });
      }
      log(`round ${round}/${rounds} done`);
    }
    return entries.map((entry) => results.get(entry)!);
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

export function formatTable(
  rows: readonly Row[],
  after: Samples,
  before: Samples | undefined,
): string {
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
