// Turns the individual runs into the summary: medians over rounds, ratios to
// the baselines, the PASS/MISS verdicts and the warnings that say when a
// number should not be trusted. The table is Markdown so it can be pasted
// into docs/performance.md as printed.

import { CASES, type CaseId } from './cases.ts';
import type { ContenderId } from './contenders.ts';
import { CONTENDERS } from './contenders.ts';
import type { LoadResult } from './load-result.ts';
import { DISTURBED } from './measure.ts';

export interface RunRecord {
  readonly round: number;
  readonly caseId: CaseId;
  readonly contenderId: ContenderId;
  readonly result: LoadResult | undefined;
  /** Fractions of one core during the measured window. */
  readonly serverCpu: number | undefined;
  readonly loadCpu: number | undefined;
  /** Cores used by unrelated processes during the window (a disturbed run if noticeable). */
  readonly othersCpu: number | undefined;
  /** Measurements made; the least disturbed one is kept. */
  readonly attempts: number;
  readonly error: string | undefined;
}

/** The contenders ratios are taken against. */
export type BaselineId = 'raw-node' | 'fastify' | 'fastify-matched' | 'throughline-no-metrics';

/** One promise: `subject` serves at least `minimum` × `against`'s req/s on `cases`. */
export interface Target {
  readonly subject: ContenderId;
  readonly against: BaselineId;
  readonly minimum: number;
  readonly cases: readonly CaseId[];
}

export interface TargetCheck {
  readonly against: 'raw node:http' | 'fastify' | 'fastify + plugins' | 'metrics off';
  readonly minimum: number;
  readonly ratio: number;
  readonly pass: boolean;
}

export interface SummaryRow {
  readonly caseId: CaseId;
  readonly contenderId: ContenderId;
  readonly label: string;
  readonly samples: number;
  readonly rps: number;
  readonly rpsMin: number;
  readonly rpsMax: number;
  readonly p99Ms: number;
  readonly serverCpu: number | undefined;
  readonly loadCpu: number | undefined;
  /**
   * The server's CPU time per request, in µs. On a busy machine req/s falls
   * when the server loses its core, but this moves much less: the cost of a
   * layer shows here even when the throughput ratios are disturbed.
   */
  readonly cpuUsPerRequest: number | undefined;
  readonly vsRaw: number | undefined;
  readonly vsFastify: number | undefined;
  /** Against Fastify with the plugins that match the default pipeline. */
  readonly vsMatched: number | undefined;
  readonly targets: readonly TargetCheck[];
}

const EVERY_CASE: readonly CaseId[] = CASES.map((c) => c.id);
const GET_CASES: readonly CaseId[] = ['plaintext', 'json', 'route-200'];

/**
 * The targets Throughline is held to. Like is compared with like: the bare
 * framework against bare Fastify and raw node:http, the production pipeline
 * against Fastify with the plugins that do the same work — and, since users
 * choose between the two as they run them, also against bare Fastify.
 */
export const TARGETS: readonly Target[] = [
  { subject: 'throughline-bare', against: 'raw-node', minimum: 0.95, cases: ['plaintext', 'json'] },
  { subject: 'throughline-bare', against: 'fastify', minimum: 1.0, cases: EVERY_CASE },
  { subject: 'throughline-default', against: 'fastify', minimum: 1.0, cases: GET_CASES },
  { subject: 'throughline-default', against: 'fastify', minimum: 1.25, cases: ['post-validated'] },
  { subject: 'throughline-default', against: 'fastify-matched', minimum: 1.3, cases: EVERY_CASE },
  // Metrics and tracing at 10 % together cost at most 5 % of the throughput.
  {
    subject: 'throughline-tracing-10',
    against: 'throughline-no-metrics',
    minimum: 0.95,
    cases: ['json', 'post-validated'],
  },
];

const BASELINE_LABEL: Readonly<Record<BaselineId, TargetCheck['against']>> = {
  'raw-node': 'raw node:http',
  fastify: 'fastify',
  'fastify-matched': 'fastify + plugins',
  'throughline-no-metrics': 'metrics off',
};

/** The targets as the run's header prints them, one line per subject. */
export function describeTargets(targets: readonly Target[] = TARGETS): string[] {
  const subjects = [...new Set(targets.map((t) => t.subject))];
  return subjects.map((subject) => {
    const label = CONTENDERS.find((c) => c.id === subject)?.label ?? subject;
    const parts = targets
      .filter((t) => t.subject === subject)
      .map((t) => {
        const where = t.cases.length === EVERY_CASE.length ? 'every case' : t.cases.join('/');
        return `≥ ${t.minimum.toFixed(2)}× ${BASELINE_LABEL[t.against]} on ${where}`;
      });
    return `${label}: ${parts.join('; ')}`;
  });
}

/** A server below this share of its core was starved of requests. */
const SERVER_BUSY = 0.9;
/** A load generator above this share of its core was the limit. */
const LOAD_BUSY = 0.9;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : median(known);
}

/**
 * The median over rounds of `a`'s req/s divided by `b`'s in the same round.
 * Pairing by round cancels drift that hits both (a noisy neighbour for a
 * minute), which a ratio of the two overall medians would not.
 */
export function pairedRatio(
  runs: readonly RunRecord[],
  caseId: CaseId,
  a: ContenderId,
  b: ContenderId,
): number | undefined {
  const rpsIn = (who: ContenderId, round: number): number | undefined =>
    runs.find((r) => r.caseId === caseId && r.contenderId === who && r.round === round)?.result
      ?.rps;
  const ratios: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const x = rpsIn(a, round);
    const y = rpsIn(b, round);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}

/** µs of server CPU per request in one run; undefined without /proc. */
export function cpuPerRequest(run: RunRecord): number | undefined {
  if (run.serverCpu === undefined || run.result === undefined || run.result.rps <= 0) {
    return undefined;
  }
  return (run.serverCpu / run.result.rps) * 1e6;
}

export function summarise(runs: readonly RunRecord[], caseIds: readonly CaseId[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const caseId of caseIds) {
    const partial: Omit<SummaryRow, 'vsRaw' | 'vsFastify' | 'vsMatched' | 'targets'>[] = [];
    for (const contender of CONTENDERS) {
      const ok = runs.filter(
        (r) => r.caseId === caseId && r.contenderId === contender.id && r.result !== undefined,
      );
      if (ok.length === 0) continue;
      const rps = ok.map((r) => r.result!.rps);
      const row = {
        caseId,
        contenderId: contender.id,
        label: contender.label,
        samples: ok.length,
        rps: median(rps),
        rpsMin: Math.min(...rps),
        rpsMax: Math.max(...rps),
        p99Ms: median(ok.map((r) => r.result!.latencyMs.p99)),
        serverCpu: medianOf(ok.map((r) => r.serverCpu)),
        loadCpu: medianOf(ok.map((r) => r.loadCpu)),
        cpuUsPerRequest: medianOf(ok.map(cpuPerRequest)),
      };
      partial.push(row);
    }
    for (const row of partial) {
      const vs = (baseline: BaselineId): number | undefined =>
        pairedRatio(runs, caseId, row.contenderId, baseline);
      const targets: TargetCheck[] = [];
      for (const target of TARGETS) {
        if (target.subject !== row.contenderId || !target.cases.includes(caseId)) continue;
        const ratio = vs(target.against);
        if (ratio === undefined) continue;
        const minimum = target.minimum;
        targets.push({
          against: BASELINE_LABEL[target.against],
          minimum,
          ratio,
          pass: ratio >= minimum,
        });
      }
      rows.push({
        ...row,
        vsRaw: vs('raw-node'),
        vsFastify: vs('fastify'),
        vsMatched: vs('fastify-matched'),
        targets,
      });
    }
  }
  return rows;
}

export function runWarnings(run: RunRecord, tool: string): string[] {
  const where = `${run.caseId} · ${run.contenderId} · round ${run.round}`;
  if (run.error !== undefined) return [`${where}: FAILED — ${run.error}`];
  const warnings: string[] = [];
  const r = run.result!;
  const disturbed = run.othersCpu !== undefined && run.othersCpu > DISTURBED;
  // A disturbed server is idle because it lost its CPU, not for lack of requests.
  if (!disturbed && run.serverCpu !== undefined && run.serverCpu < SERVER_BUSY) {
    warnings.push(
      `${where}: server used only ${pct(run.serverCpu)} of its core — it was waiting for requests; ${tool} or the loopback may be the bottleneck`,
    );
  }
  if (run.loadCpu !== undefined && run.loadCpu > LOAD_BUSY) {
    warnings.push(
      `${where}: ${tool} used ${pct(run.loadCpu)} of its core — the load generator may be the bottleneck`,
    );
  }
  if (disturbed) {
    warnings.push(
      `${where}: other processes used ${pct(run.othersCpu)} of a core during the run (least disturbed of ${run.attempts} attempt(s)) — result disturbed`,
    );
  }
  if (r.socketErrors > 0) warnings.push(`${where}: ${r.socketErrors} socket errors/timeouts`);
  if (r.badStatus > 0) warnings.push(`${where}: ${r.badStatus} error responses`);
  return warnings;
}

function pct(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function ratio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

const SHORT_NAME: Readonly<Record<TargetCheck['against'], string>> = {
  'raw node:http': 'raw',
  fastify: 'fastify',
  'fastify + plugins': 'fastify+plugins',
  'metrics off': 'metrics-off',
};

function verdicts(targets: readonly TargetCheck[]): string {
  if (targets.length === 0) return '—';
  return targets
    .map((t) => `${t.pass ? 'PASS' : 'MISS'} ${SHORT_NAME[t.against]} ≥ ${t.minimum.toFixed(2)}`)
    .join(', ');
}

export function formatTable(rows: readonly SummaryRow[]): string {
  const header = [
    'case',
    'contender',
    'req/s',
    'spread',
    'p99 ms',
    'server µs/req',
    '× raw node:http',
    '× fastify',
    '× fastify + plugins',
    'targets',
  ];
  const body = rows.map((r) => [
    r.caseId,
    r.label,
    thousands.format(r.rps),
    `±${(((r.rpsMax - r.rpsMin) / 2 / r.rps) * 100).toFixed(1)}%`,
    r.p99Ms.toFixed(2),
    r.cpuUsPerRequest === undefined ? '—' : r.cpuUsPerRequest.toFixed(1),
    ratio(r.vsRaw),
    ratio(r.vsFastify),
    ratio(r.vsMatched),
    verdicts(r.targets),
  ]);
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
