// Summarising the outbox benchmark: per contender, medians over rounds; and
// what the outbox costs, from same-round pairs (drift on a shared machine
// hits both sides of a pair alike): the throughput ratio with ÷ without, and
// the latency it adds at p50 and p99, each the median over rounds.

import type { LoadResult } from '../lib/load-result.ts';
import { median } from '../lib/report.ts';

export type OutboxContenderId = 'outbox-on' | 'outbox-off';

export interface OrdersRun {
  readonly contenderId: OutboxContenderId;
  readonly round: number;
  readonly result: LoadResult | undefined;
  readonly serverCpu: number | undefined;
  readonly error: string | undefined;
}

export interface OrdersRow {
  readonly contenderId: OutboxContenderId;
  readonly label: string;
  readonly rps: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly failedRuns: number;
}

export interface OutboxCost {
  /** Orders/s with the outbox ÷ without, median of same-round ratios. */
  readonly throughputRatio: number | undefined;
  /** With minus without, ms, median over rounds. */
  readonly addedP50Ms: number | undefined;
  readonly addedP99Ms: number | undefined;
  /** Rounds in which both sides succeeded. */
  readonly pairs: number;
}

const medianOrUndefined = (values: readonly number[]): number | undefined =>
  values.length === 0 ? undefined : median(values);

export function summariseOrders(
  runs: readonly OrdersRun[],
  contenders: readonly { readonly id: OutboxContenderId; readonly label: string }[],
): OrdersRow[] {
  return contenders.map(({ id, label }) => {
    const mine = runs.filter((r) => r.contenderId === id);
    const ok = mine.flatMap((r) => (r.result === undefined ? [] : [r.result]));
    return {
      contenderId: id,
      label,
      rps: medianOrUndefined(ok.map((r) => r.rps)),
      p50Ms: medianOrUndefined(ok.map((r) => r.latencyMs.p50)),
      p99Ms: medianOrUndefined(ok.map((r) => r.latencyMs.p99)),
      failedRuns: mine.length - ok.length,
    };
  });
}

export function outboxCost(runs: readonly OrdersRun[]): OutboxCost {
  const ratios: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const of = (id: OutboxContenderId): LoadResult | undefined =>
      runs.find((r) => r.round === round && r.contenderId === id)?.result;
    const withOutbox = of('outbox-on');
    const without = of('outbox-off');
    if (withOutbox === undefined || without === undefined || without.rps <= 0) continue;
    ratios.push(withOutbox.rps / without.rps);
    p50.push(withOutbox.latencyMs.p50 - without.latencyMs.p50);
    p99.push(withOutbox.latencyMs.p99 - without.latencyMs.p99);
  }
  return {
    throughputRatio: medianOrUndefined(ratios),
    addedP50Ms: medianOrUndefined(p50),
    addedP99Ms: medianOrUndefined(p99),
    pairs: ratios.length,
  };
}

const ms = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(2));
const signedMs = (v: number | undefined): string =>
  v === undefined ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms`;

export function formatOrders(rows: readonly OrdersRow[], cost: OutboxCost): string {
  const header = ['contender', 'orders/s', 'p50 ms', 'p99 ms'];
  const body = rows.map((r) => [
    r.label + (r.failedRuns > 0 ? ` (${r.failedRuns} failed)` : ''),
    r.rps === undefined ? '—' : Math.round(r.rps).toLocaleString('en-US'),
    ms(r.p50Ms),
    ms(r.p99Ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...body.map(line),
    '',
    `outbox cost over ${cost.pairs} paired round(s):` +
      ` throughput with ÷ without ${cost.throughputRatio === undefined ? '—' : `${cost.throughputRatio.toFixed(2)}×`},` +
      ` p50 ${signedMs(cost.addedP50Ms)}, p99 ${signedMs(cost.addedP99Ms)}`,
  ].join('\n');
}
