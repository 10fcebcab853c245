// Summarising the database benchmark: medians over rounds, and the ratio to
// fastify+pg as the median of same-round ratios (pairing by round cancels
// drift that hits every contender alike, as in the main harness).

import type { LoadResult } from '../lib/load-result.ts';
import { median } from '../lib/report.ts';

export type DbContenderId = 'throughline-pglite' | 'throughline-postgres' | 'fastify-pg';

export interface DbRun {
  readonly round: number;
  readonly contenderId: DbContenderId;
  readonly result: LoadResult | undefined;
  readonly serverCpu: number | undefined;
  /** Cores used by every other process, PostgreSQL's backends included. */
  readonly othersCpu: number | undefined;
  readonly error: string | undefined;
}

export interface DbRow {
  readonly contenderId: DbContenderId;
  readonly label: string;
  readonly rps: number | undefined;
  readonly p99Ms: number | undefined;
  readonly vsFastifyPg: number | undefined;
  readonly failedRuns: number;
}

export const BASELINE: DbContenderId = 'fastify-pg';
export const TARGET = { subject: 'throughline-postgres', minimum: 1.0 } as const;

function medianOrUndefined(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

function pairedRatio(runs: readonly DbRun[], who: DbContenderId): number | undefined {
  const ratios: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const rps = (id: DbContenderId): number | undefined =>
      runs.find((r) => r.round === round && r.contenderId === id)?.result?.rps;
    const x = rps(who);
    const y = rps(BASELINE);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return medianOrUndefined(ratios);
}

export function summariseDb(
  runs: readonly DbRun[],
  contenders: readonly { readonly id: DbContenderId; readonly label: string }[],
): DbRow[] {
  return contenders.map(({ id, label }) => {
    const mine = runs.filter((r) => r.contenderId === id);
    const ok = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
    return {
      contenderId: id,
      label,
      rps: medianOrUndefined(ok.map((r) => r.rps)),
      p99Ms: medianOrUndefined(ok.map((r) => r.latencyMs.p99)),
      vsFastifyPg: pairedRatio(runs, id),
      failedRuns: mine.length - ok.length,
    };
  });
}

export function formatDbTable(rows: readonly DbRow[]): string {
  const header = ['contender', 'req/s', 'p99 ms', '× fastify+pg'];
  const body = rows.map((r) => [
    r.label + (r.failedRuns > 0 ? ` (${r.failedRuns} failed)` : ''),
    r.rps === undefined ? '—' : Math.round(r.rps).toLocaleString('en-US'),
    r.p99Ms === undefined ? '—' : r.p99Ms.toFixed(2),
    r.vsFastifyPg === undefined ? '—' : `${r.vsFastifyPg.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

/** "PASS"/"MISS" for the target, or undefined when either side has no result. */
export function targetVerdict(rows: readonly DbRow[]): 'PASS' | 'MISS' | undefined {
  const ratio = rows.find((r) => r.contenderId === TARGET.subject)?.vsFastifyPg;
  return ratio === undefined ? undefined : ratio >= TARGET.minimum ? 'PASS' : 'MISS';
}
