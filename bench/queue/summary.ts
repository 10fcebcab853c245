// Summarising the queue benchmark: jobs/s per contender as the median over
// rounds, and each ratio as the median of same-round ratios (as in the other
// harnesses: pairing by round cancels drift that hits every contender alike).

import { median } from '../lib/report.ts';

export type QueueContenderId =
  'postgres-pglite' | 'postgres-server' | 'bullmq-adapter' | 'bullmq-raw' | 'bullmq-raw-bulk';

/** One contender's round: N jobs from the first enqueue until the last one completed. */
export interface QueueRun {
  readonly contenderId: QueueContenderId;
  readonly round: number;
  readonly jobs: number;
  /** Until the last enqueue (or the bulk add) resolved. */
  readonly enqueueMs: number;
  /** Until every job had completed. */
  readonly totalMs: number;
}

export interface QueueRow {
  readonly contenderId: QueueContenderId;
  readonly label: string;
  readonly rounds: number;
  /** Enqueues per second while enqueueing. */
  readonly enqueuePerSec: number;
  /** Jobs per second, first enqueue to last completion. */
  readonly jobsPerSec: number;
  /** jobs/s ÷ raw BullMQ's (one by one), median of same-round ratios. */
  readonly vsRawBullmq: number | undefined;
}

export const QUEUE_BASELINE: QueueContenderId = 'bullmq-raw';

export const perSecond = (jobs: number, ms: number): number => (ms > 0 ? (jobs * 1000) / ms : 0);

/** Median over rounds of `subject`'s jobs/s ÷ `baseline`'s in the same round. */
export function pairedQueueRatio(
  runs: readonly QueueRun[],
  subject: QueueContenderId,
  baseline: QueueContenderId = QUEUE_BASELINE,
): number | undefined {
  const ratios: number[] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const rate = (id: QueueContenderId): number | undefined => {
      const run = runs.find((r) => r.round === round && r.contenderId === id);
      return run === undefined ? undefined : perSecond(run.jobs, run.totalMs);
    };
    const x = rate(subject);
    const y = rate(baseline);
    if (x !== undefined && y !== undefined && y > 0) ratios.push(x / y);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}

/** One row per contender with at least one run, in the order given. */
export function summariseQueue(
  runs: readonly QueueRun[],
  contenders: readonly { readonly id: QueueContenderId; readonly label: string }[],
): QueueRow[] {
  return contenders.flatMap(({ id, label }) => {
    const mine = runs.filter((r) => r.contenderId === id);
    if (mine.length === 0) return [];
    return [
      {
        contenderId: id,
        label,
        rounds: mine.length,
        enqueuePerSec: median(mine.map((r) => perSecond(r.jobs, r.enqueueMs))),
        jobsPerSec: median(mine.map((r) => perSecond(r.jobs, r.totalMs))),
        vsRawBullmq: pairedQueueRatio(runs, id),
      },
    ];
  });
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

export function formatQueueTable(rows: readonly QueueRow[]): string {
  const header = ['contender', 'rounds', 'enqueue/s', 'jobs/s (end to end)', '× raw BullMQ'];
  const body = rows.map((r) => [
    r.label,
    String(r.rounds),
    count(r.enqueuePerSec),
    count(r.jobsPerSec),
    r.vsRawBullmq === undefined ? '—' : `${r.vsRawBullmq.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}
