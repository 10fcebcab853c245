// Command-line flags of `npm run bench`.

import { parseArgs } from 'node:util';
import { CASES, type CaseId } from './cases.ts';
import { CONTENDERS, type ContenderId } from './contenders.ts';

export interface BenchOptions {
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly rounds: number;
  readonly connections: number;
  readonly cases: readonly CaseId[];
  readonly contenders: readonly ContenderId[];
  readonly retries: number;
  readonly quietWaitSec: number;
  readonly tool: 'wrk' | 'autocannon' | undefined;
  readonly pin: boolean;
  readonly out: string;
  readonly help: boolean;
  /** Which benchmarks run: the HTTP cases, the job queue, the outbox on POST /orders. */
  readonly suites: readonly Suite[];
  readonly quick: boolean;
}

export const SUITES = ['http', 'queue', 'orders'] as const;
export type Suite = (typeof SUITES)[number];

export const USAGE = `Usage: npm run bench -- [options]

  --duration <s>      measured seconds per run (default 8)
  --warmup <s>        warm-up seconds before each run (default 2)
  --rounds <n>        interleaved rounds; medians are taken over them (default 3)
  --quick             --duration 3 --warmup 1 --rounds 1 (smoke test, noisy)
  --connections <n>   concurrent keep-alive connections (default 50)
  --cases <list>      comma-separated subset of: ${CASES.map((c) => c.id).join(', ')}
  --contenders <list> comma-separated subset of: ${CONTENDERS.map((c) => c.id).join(', ')}
  --retries <n>       re-measure a run disturbed by other processes up to n times (default 2)
  --quiet-wait <s>    before each run, wait up to s seconds for the machine to be idle (default 20)
  --tool <name>       wrk (default when installed) or autocannon
  --no-pin            do not pin server and load generator to separate CPUs
  --out <file>        JSON results (default bench/results/latest.json)
  --suites <list>     comma-separated subset of: ${SUITES.join(', ')} (default all; queue and
                      orders are also npm run bench:queue / bench:orders, with flags of their own)
`;

function positiveNumber(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} must be a positive number`);
  return value;
}

function count(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} must be an integer ≥ 0`);
  return value;
}

/** A flag's whole-number value, at least `min`; shared by the runners' own flag parsers. */
export function wholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be a whole number ≥ ${min}`);
  return n;
}

function subset<T extends string>(flag: string, raw: string | undefined, all: readonly T[]): T[] {
  if (raw === undefined) return [...all];
  const picked = raw.split(',').map((s) => s.trim());
  for (const id of picked) {
    if (!all.includes(id as T))
      throw new Error(`--${flag}: unknown "${id}" (known: ${all.join(', ')})`);
  }
  return all.filter((id) => picked.includes(id));
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      cases: { type: 'string' },
      contenders: { type: 'string' },
      retries: { type: 'string' },
      'quiet-wait': { type: 'string' },
      tool: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      out: { type: 'string' },
      suites: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const quick = values.quick;
  const tool = values.tool;
  if (tool !== undefined && tool !== 'wrk' && tool !== 'autocannon') {
    throw new Error('--tool must be wrk or autocannon');
  }
  return {
    durationSec: Math.round(positiveNumber('duration', values.duration, quick ? 3 : 8)),
    warmupSec: Math.round(positiveNumber('warmup', values.warmup, quick ? 1 : 2)),
    rounds: Math.round(positiveNumber('rounds', values.rounds, quick ? 1 : 3)),
    retries: count('retries', values.retries, 2),
    quietWaitSec: count('quiet-wait', values['quiet-wait'], 20),
    connections: Math.round(positiveNumber('connections', values.connections, 50)),
    cases: subset(
      'cases',
      values.cases,
      CASES.map((c) => c.id),
    ),
    contenders: subset(
      'contenders',
      values.contenders,
      CONTENDERS.map((c) => c.id),
    ),
    tool,
    pin: !values['no-pin'],
    out: values.out ?? 'bench/results/latest.json',
    help: values.help,
    suites: subset('suites', values.suites, SUITES),
    quick,
  };
}
