// Summarising the search benchmark: per catalog size, query shape and
// contender, the medians over rounds of req/s, p50 and p99; against the
// ILIKE baseline, the median of same-round ratios (pairing by round cancels
// drift that hits both alike, as in the other harnesses); and the latency
// targets with PASS/MISS.

import type { LoadResult } from '../lib/load-result.ts';
import { median } from '../lib/report.ts';
import type { ShapeId } from './queries.ts';

/**
 * `http`: the service, GET /api/v1/search and /search/suggest under a
 * closed-loop HTTP load; `adapter`: the search adapter called in process;
 * `baseline`: the ILIKE baseline (naive-search.ts) called in process.
 */
export type ContenderId = 'http' | 'adapter' | 'baseline';

export const CONTENDER_LABELS: Readonly<Record<ContenderId, string>> = {
  http: 'service over HTTP',
  adapter: 'adapter, in process',
  baseline: 'ILIKE baseline, in process',
};

export interface SearchRun {
  readonly products: number;
  readonly shape: ShapeId;
  readonly contender: ContenderId;
  readonly round: number;
  readonly result: LoadResult | undefined;
  readonly error: string | undefined;
}

export interface Target {
  readonly products: number;
  readonly contender: ContenderId;
  readonly shapes: readonly ShapeId[];
  readonly p99BelowMs: number;
}

/** The promises, on PostgreSQL at 100,000 products, measured where a client sees them. */
export const TARGETS: readonly Target[] = [
  {
    products: 100_000,
    contender: 'http',
    shapes: ['typo', 'multi-word', 'faceted', 'listing'],
    p99BelowMs: 50,
  },
  { products: 100_000, contender: 'http', shapes: ['suggest'], p99BelowMs: 15 },
];

export interface SearchRow {
  readonly products: number;
  readonly shape: ShapeId;
  readonly contender: ContenderId;
  readonly rounds: number;
  readonly failedRuns: number;
  readonly rps: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** adapter only: its req/s ÷ the baseline's, median of same-round ratios. */
  readonly rpsVsBaseline: number | undefined;
  /** adapter only: the baseline's p99 ÷ its own (above 1: faster), median of same-round ratios. */
  readonly p99VsBaseline: number | undefined;
  readonly target: { readonly p99BelowMs: number; readonly pass: boolean } | undefined;
}

function medianOf(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

function pairedRatio(
  runs: readonly SearchRun[],
  value: (run: SearchRun) => number | undefined,
  over: (subject: number, baseline: number) => number,
): number | undefined {
  const ratios: number[] = [];
  for (const run of runs) {
    if (run.contender !== 'adapter') continue;
    const baseline = runs.find(
      (other) =>
        other.contender === 'baseline' &&
        other.round === run.round &&
        other.shape === run.shape &&
        other.products === run.products,
    );
    const a = value(run);
    const b = baseline === undefined ? undefined : value(baseline);
    if (a !== undefined && b !== undefined && a > 0 && b > 0) ratios.push(over(a, b));
  }
  return medianOf(ratios);
}

export function targetFor(
  products: number,
  shape: ShapeId,
  contender: ContenderId,
): Target | undefined {
  return TARGETS.find(
    (t) => t.products === products && t.contender === contender && t.shapes.includes(shape),
  );
}

export function summariseSearch(
  runs: readonly SearchRun[],
  options: { readonly targetsApply: boolean },
): SearchRow[] {
  const rows: SearchRow[] = [];
  const keys = new Map<string, { products: number; shape: ShapeId; contender: ContenderId }>();
  for (const run of runs) {
    keys.set(`${run.products}/${run.shape}/${run.contender}`, run);
  }
  for (const { products, shape, contender } of keys.values()) {
    const mine = runs.filter(
      (r) => r.products === products && r.shape === shape && r.contender === contender,
    );
    const ok = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
    const p99Ms = medianOf(ok.map((r) => r.latencyMs.p99));
    const pair = runs.filter((r) => r.products === products && r.shape === shape);
    const target = options.targetsApply ? targetFor(products, shape, contender) : undefined;
    rows.push({
      products,
      shape,
      contender,
      rounds: ok.length,
      failedRuns: mine.length - ok.length,
      rps: medianOf(ok.map((r) => r.rps)),
      p50Ms: medianOf(ok.map((r) => r.latencyMs.p50)),
      p99Ms,
      rpsVsBaseline:
        contender === 'adapter'
          ? pairedRatio(
              pair,
              (r) => r.result?.rps,
              (a, b) => a / b,
            )
          : undefined,
      p99VsBaseline:
        contender === 'adapter'
          ? pairedRatio(
              pair,
              (r) => r.result?.latencyMs.p99,
              (a, b) => b / a,
            )
          : undefined,
      target:
        target === undefined || p99Ms === undefined
          ? undefined
          : { p99BelowMs: target.p99BelowMs, pass: p99Ms < target.p99BelowMs },
    });
  }
  return rows;
}

const count = (n: number | undefined): string =>
  n === undefined ? '—' : Math.round(n).toLocaleString('en-US');
const ms = (n: number | undefined): string => (n === undefined ? '—' : n.toFixed(1));
const ratio = (r: number | undefined): string => (r === undefined ? '—' : `${r.toFixed(2)}×`);

/** A Markdown table, pasteable into docs/performance.md as printed. */
export function formatSearchTable(rows: readonly SearchRow[]): string {
  const header = [
    'products',
    'shape',
    'contender',
    'req/s',
    'p50 ms',
    'p99 ms',
    'req/s: adapter ÷ baseline',
    'p99: baseline ÷ adapter',
    'target',
  ];
  const body = rows.map((r) => [
    count(r.products),
    r.shape,
    CONTENDER_LABELS[r.contender] + (r.failedRuns > 0 ? ` (${r.failedRuns} failed)` : ''),
    count(r.rps),
    ms(r.p50Ms),
    ms(r.p99Ms),
    ratio(r.rpsVsBaseline),
    ratio(r.p99VsBaseline),
    r.target === undefined
      ? ''
      : `p99 < ${r.target.p99BelowMs} ms ${r.target.pass ? 'PASS' : 'MISS'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = 3;
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i < left || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/** One line per target: PASS, MISS, or NOT MEASURED (no PostgreSQL, or the size not run). */
export function targetVerdicts(rows: readonly SearchRow[], targetsApply: boolean): string[] {
  return TARGETS.map((target) => {
    const measured = rows.filter(
      (r) =>
        r.products === target.products &&
        r.contender === target.contender &&
        target.shapes.includes(r.shape) &&
        r.target !== undefined,
    );
    const what = `${target.shapes.join(', ')} p99 < ${target.p99BelowMs} ms at ${count(target.products)} products (${CONTENDER_LABELS[target.contender]}, PostgreSQL)`;
    if (!targetsApply || measured.length < target.shapes.length) return `${what}: NOT MEASURED`;
    const misses = measured.filter((r) => r.target?.pass !== true);
    return misses.length === 0
      ? `${what}: PASS`
      : `${what}: MISS (${misses.map((r) => `${r.shape} ${ms(r.p99Ms)} ms`).join(', ')})`;
  });
}
