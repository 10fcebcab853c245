// Summarising the database benchmark: per case, medians over rounds, and the
// ratio to fastify+pg as the median of same-round ratios (pairing by round
// cancels drift that hits every contender alike, as in the main harness).
// The product cache adds named comparisons between any two contenders
// (cached ÷ uncached, cached ÷ Fastify cached), computed the same way, and
// the cache's own counters summed over the measured runs: the proof that the
// cached contenders measured hits, and how hits split between the tiers.

import type { LoadResult } from '../lib/load-result.ts';
import { median } from '../lib/report.ts';

export type DbContenderId =
  | 'throughline-pglite'
  | 'throughline-postgres'
  | 'fastify-pg'
  /** The same with every query a named statement, as the service sends them. */
  | 'fastify-pg-named'
  /** The service with its product cache on, in process / on Redis. */
  | 'throughline-postgres-cached'
  | 'throughline-postgres-redis'
  /** Fastify serving the read through the same cache code, in process. */
  | 'fastify-pg-cached'
  /** The same, behind the plugins that match the production pipeline. */
  | 'fastify-matched-cached'
  /** The uncached service with tracing on, sampling 10 % / every request. */
  | 'throughline-postgres-tracing-10'
  | 'throughline-postgres-tracing-100';

/**
 * A cache's counters (GET /api/v1/admin/cache) over one measured run: the
 * difference between a reading just before and one just after it.
 */
export interface CacheCounters {
  /** Fresh from either tier; `localHits` of them from the in-process L1. */
  readonly hits: number;
  readonly localHits: number;
  readonly misses: number;
  readonly staleServed: number;
  readonly coalesced: number;
  /** Reads that went to the database. */
  readonly loads: number;
  readonly errors: number;
}

/** `product-read`: one product by id; `product-list`: a filtered, sorted page of 20. */
export type DbCaseId = 'product-read' | 'product-list';

export interface DbRun {
  readonly caseId: DbCaseId;
  readonly round: number;
  readonly contenderId: DbContenderId;
  readonly result: LoadResult | undefined;
  readonly serverCpu: number | undefined;
  /** Cores used by every other process, PostgreSQL's backends included. */
  readonly othersCpu: number | undefined;
  readonly error: string | undefined;
  /** The cache's counters over this run, for the cached contenders. */
  readonly cache?: CacheCounters | undefined;
}

export interface DbRow {
  readonly caseId: DbCaseId;
  readonly contenderId: DbContenderId;
  readonly label: string;
  readonly rps: number | undefined;
  readonly p99Ms: number | undefined;
  readonly vsFastifyPg: number | undefined;
  readonly failedRuns: number;
}

export const BASELINE: DbContenderId = 'fastify-pg';

/**
 * One promise: in `caseId`, `subject` serves at least `minimum` × `against`'s
 * req/s (median of same-round ratios) at a p99 no higher than its median p99.
 */
export interface DbTarget {
  readonly caseId: DbCaseId;
  readonly subject: DbContenderId;
  readonly against: DbContenderId;
  readonly minimum: number;
}

export const DB_TARGETS: readonly DbTarget[] = [
  { caseId: 'product-read', subject: 'throughline-postgres', against: 'fastify-pg', minimum: 1.2 },
  { caseId: 'product-list', subject: 'throughline-postgres', against: 'fastify-pg', minimum: 1.0 },
  {
    caseId: 'product-read',
    subject: 'throughline-postgres-cached',
    against: 'fastify-pg-cached',
    minimum: 1.0,
  },
  {
    caseId: 'product-read',
    subject: 'throughline-postgres-cached',
    against: 'fastify-matched-cached',
    minimum: 1.3,
  },
];

function medianOrUndefined(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

function pairedRatio(
  runs: readonly DbRun[],
  who: DbContenderId,
  baseline: DbContenderId = BASELINE,
): number | undefined {
  const ratios: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const rps = (id: DbContenderId): number | undefined =>
      runs.find((r) => r.round === round && r.contenderId === id)?.result?.rps;
    const x = rps(who);
    const y = rps(baseline);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return medianOrUndefined(ratios);
}

/**
 * One row per case (in order of first appearance in `runs`) and contender
 * measured in it: a contender that does not apply to a case (the cached ones
 * on the list) has no runs there and no row.
 */
export function summariseDb(
  runs: readonly DbRun[],
  contenders: readonly { readonly id: DbContenderId; readonly label: string }[],
): DbRow[] {
  const cases = [...new Set(runs.map((r) => r.caseId))];
  return cases.flatMap((caseId) => {
    const ofCase = runs.filter((r) => r.caseId === caseId);
    const measured = contenders.filter(({ id }) => ofCase.some((r) => r.contenderId === id));
    return measured.map(({ id, label }) => {
      const mine = ofCase.filter((r) => r.contenderId === id);
      const ok = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
      return {
        caseId,
        contenderId: id,
        label,
        rps: medianOrUndefined(ok.map((r) => r.rps)),
        p99Ms: medianOrUndefined(ok.map((r) => r.latencyMs.p99)),
        vsFastifyPg: pairedRatio(ofCase, id),
        failedRuns: mine.length - ok.length,
      };
    });
  });
}

/** A table: the first `leftColumns` columns left-aligned, the others right-aligned. */
function table(
  header: readonly string[],
  body: readonly (readonly string[])[],
  leftColumns: number,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratioText = (r: number | undefined): string => (r === undefined ? '—' : `${r.toFixed(2)}×`);

export function formatDbTable(rows: readonly DbRow[]): string {
  const header = ['case', 'contender', 'req/s', 'p99 ms', '× fastify+pg'];
  const body = rows.map((r) => [
    r.caseId,
    r.label + (r.failedRuns > 0 ? ` (${r.failedRuns} failed)` : ''),
    r.rps === undefined ? '—' : count(r.rps),
    r.p99Ms === undefined ? '—' : r.p99Ms.toFixed(2),
    ratioText(r.vsFastifyPg),
  ]);
  return table(header, body, 2);
}

/** `subject` ÷ `baseline`, e.g. the cached service over the uncached one. */
export interface Comparison {
  readonly label: string;
  readonly subject: DbContenderId;
  readonly baseline: DbContenderId;
}

/** What the product cache is judged by; pairs with a side not measured are left out. */
export const CACHE_COMPARISONS: readonly Comparison[] = [
  {
    label: 'throughline cached ÷ uncached',
    subject: 'throughline-postgres-cached',
    baseline: 'throughline-postgres',
  },
  {
    label: 'throughline cached (Redis) ÷ uncached',
    subject: 'throughline-postgres-redis',
    baseline: 'throughline-postgres',
  },
  {
    label: 'throughline cached ÷ fastify cached',
    subject: 'throughline-postgres-cached',
    baseline: 'fastify-pg-cached',
  },
  {
    label: 'throughline cached (Redis) ÷ fastify cached',
    subject: 'throughline-postgres-redis',
    baseline: 'fastify-pg-cached',
  },
  {
    label: 'throughline cached ÷ fastify + plugins cached',
    subject: 'throughline-postgres-cached',
    baseline: 'fastify-matched-cached',
  },
  { label: 'fastify cached ÷ uncached', subject: 'fastify-pg-cached', baseline: 'fastify-pg' },
  {
    label: 'throughline (uncached) ÷ fastify + pg, named statements',
    subject: 'throughline-postgres',
    baseline: 'fastify-pg-named',
  },
  {
    label: 'throughline tracing 10 % ÷ untraced',
    subject: 'throughline-postgres-tracing-10',
    baseline: 'throughline-postgres',
  },
  {
    label: 'throughline tracing 100 % ÷ untraced',
    subject: 'throughline-postgres-tracing-100',
    baseline: 'throughline-postgres',
  },
];

export interface ComparisonRow {
  readonly caseId: DbCaseId;
  readonly label: string;
  /** Median of same-round req/s ratios; undefined when no round has both. */
  readonly ratio: number | undefined;
  /** Median p99 of each side, in ms. */
  readonly subjectP99Ms: number | undefined;
  readonly baselineP99Ms: number | undefined;
}

/** Each comparison in each case where both sides were measured. */
export function compareDb(
  runs: readonly DbRun[],
  comparisons: readonly Comparison[] = CACHE_COMPARISONS,
): ComparisonRow[] {
  const cases = [...new Set(runs.map((r) => r.caseId))];
  return cases.flatMap((caseId) => {
    const ofCase = runs.filter((r) => r.caseId === caseId);
    const p99 = (id: DbContenderId): number | undefined =>
      medianOrUndefined(
        ofCase.flatMap((r) =>
          r.contenderId === id && r.result !== undefined ? [r.result.latencyMs.p99] : [],
        ),
      );
    return comparisons
      .filter((c) =>
        [c.subject, c.baseline].every((id) => ofCase.some((r) => r.contenderId === id)),
      )
      .map((c) => ({
        caseId,
        label: c.label,
        ratio: pairedRatio(ofCase, c.subject, c.baseline),
        subjectP99Ms: p99(c.subject),
        baselineP99Ms: p99(c.baseline),
      }));
  });
}

export function formatComparisons(rows: readonly ComparisonRow[]): string {
  const ms = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(2));
  return table(
    ['case', 'comparison', 'req/s ratio', 'p99 ms (subject / baseline)'],
    rows.map((r) => [
      r.caseId,
      r.label,
      ratioText(r.ratio),
      `${ms(r.subjectP99Ms)} / ${ms(r.baselineP99Ms)}`,
    ]),
    2,
  );
}

const COUNTER_NAMES = [
  'hits',
  'localHits',
  'misses',
  'staleServed',
  'coalesced',
  'loads',
  'errors',
] as const satisfies readonly (keyof CacheCounters)[];

function combine(
  a: CacheCounters,
  b: CacheCounters,
  op: (x: number, y: number) => number,
): CacheCounters {
  const out = {} as Record<keyof CacheCounters, number>;
  for (const name of COUNTER_NAMES) out[name] = op(a[name], b[name]);
  return out;
}

const NO_COUNTS: CacheCounters = {
  hits: 0,
  localHits: 0,
  misses: 0,
  staleServed: 0,
  coalesced: 0,
  loads: 0,
  errors: 0,
};

/** The difference of two counter readings (`after` − `before`). */
export function counterDelta(before: CacheCounters, after: CacheCounters): CacheCounters {
  return combine(after, before, (x, y) => x - y);
}

export interface CacheRow {
  readonly caseId: DbCaseId;
  readonly contenderId: DbContenderId;
  readonly label: string;
  /** Runs that have counters, and the requests wrk completed in them. */
  readonly runs: number;
  readonly requests: number;
  /** Summed over those runs. */
  readonly counters: CacheCounters;
  /** Of the hits, the share served by L1 (the rest came from L2: the kv store). */
  readonly localShare: number | undefined;
  /** Hits per database load; Infinity when nothing was loaded. */
  readonly hitsPerLoad: number | undefined;
}

/** The counters of every contender that has them, summed per case over its measured runs. */
export function summariseCache(
  runs: readonly DbRun[],
  contenders: readonly { readonly id: DbContenderId; readonly label: string }[],
): CacheRow[] {
  const cases = [...new Set(runs.map((r) => r.caseId))];
  return cases.flatMap((caseId) =>
    contenders.flatMap(({ id, label }) => {
      const mine = runs.flatMap((r) =>
        r.caseId === caseId && r.contenderId === id && r.cache !== undefined
          ? [{ cache: r.cache, requests: r.result?.requests ?? 0 }]
          : [],
      );
      if (mine.length === 0) return [];
      const counters = mine.reduce<CacheCounters>(
        (sum, r) => combine(sum, r.cache, (x, y) => x + y),
        NO_COUNTS,
      );
      return [
        {
          caseId,
          contenderId: id,
          label,
          runs: mine.length,
          requests: mine.reduce((n, r) => n + r.requests, 0),
          counters,
          localShare: counters.hits > 0 ? counters.localHits / counters.hits : undefined,
          hitsPerLoad:
            counters.loads > 0
              ? counters.hits / counters.loads
              : counters.hits > 0
                ? Infinity
                : undefined,
        },
      ];
    }),
  );
}

export function formatCacheTable(rows: readonly CacheRow[]): string {
  return table(
    [
      'case',
      'contender',
      'requests',
      'hits',
      'L1 / L2',
      'stale',
      'misses',
      'loads',
      'coalesced',
      'errors',
      'hits per load',
    ],
    rows.map((r) => [
      r.caseId,
      r.label,
      count(r.requests),
      count(r.counters.hits),
      r.localShare === undefined
        ? '—'
        : `${(r.localShare * 100).toFixed(1)}% / ${((1 - r.localShare) * 100).toFixed(1)}%`,
      count(r.counters.staleServed),
      count(r.counters.misses),
      count(r.counters.loads),
      count(r.counters.coalesced),
      count(r.counters.errors),
      r.hitsPerLoad === undefined
        ? '—'
        : r.hitsPerLoad === Infinity
          ? 'no loads'
          : count(r.hitsPerLoad),
    ]),
    2,
  );
}

export type Verdict = 'PASS' | 'MISS' | 'NOT MEASURED';

export interface DbTargetCheck {
  readonly target: DbTarget;
  readonly ratio: number | undefined;
  readonly subjectP99Ms: number | undefined;
  readonly againstP99Ms: number | undefined;
  readonly throughput: Verdict;
  readonly latency: Verdict;
}

function verdict(measured: boolean, pass: boolean): Verdict {
  return !measured ? 'NOT MEASURED' : pass ? 'PASS' : 'MISS';
}

/** Every target, measured or not: a target whose sides did not both run says so. */
export function checkDbTargets(
  runs: readonly DbRun[],
  targets: readonly DbTarget[] = DB_TARGETS,
): DbTargetCheck[] {
  return targets.map((target) => {
    const ofCase = runs.filter((r) => r.caseId === target.caseId);
    const p99 = (id: DbContenderId): number | undefined =>
      medianOrUndefined(
        ofCase.flatMap((r) =>
          r.contenderId === id && r.result !== undefined ? [r.result.latencyMs.p99] : [],
        ),
      );
    const ratio = pairedRatio(ofCase, target.subject, target.against);
    const subjectP99Ms = p99(target.subject);
    const againstP99Ms = p99(target.against);
    return {
      target,
      ratio,
      subjectP99Ms,
      againstP99Ms,
      throughput: verdict(ratio !== undefined, (ratio ?? 0) >= target.minimum),
      latency: verdict(
        subjectP99Ms !== undefined && againstP99Ms !== undefined,
        (subjectP99Ms ?? Infinity) <= (againstP99Ms ?? 0),
      ),
    };
  });
}

export function formatTargets(
  checks: readonly DbTargetCheck[],
  labels: ReadonlyMap<DbContenderId, string>,
): string {
  const label = (id: DbContenderId): string => labels.get(id) ?? id;
  const ms = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(2));
  return table(
    ['case', 'target', 'req/s ratio', '', 'p99 ms (subject / against)', ''],
    checks.map((c) => [
      c.target.caseId,
      `${label(c.target.subject)} ≥ ${c.target.minimum.toFixed(2)}× ${label(c.target.against)}`,
      ratioText(c.ratio),
      c.throughput,
      `${ms(c.subjectP99Ms)} / ${ms(c.againstP99Ms)}`,
      c.latency,
    ]),
    2,
  );
}
