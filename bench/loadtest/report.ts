// The run as a table for a terminal: latency per step and overall, the
// failures by step, status and problem code, and the verdict.

import { STEPS } from './journey.ts';
import type { LoadReport } from './load.ts';
import type { LatencySummary, Slo, Verdict } from './stats.ts';

const ms = (value: number) => value.toFixed(1).padStart(9);

function row(label: string, summary: LatencySummary): string {
  return `${label.padEnd(14)}${String(summary.count).padStart(8)}${ms(summary.p50)}${ms(summary.p95)}${ms(summary.p99)}${ms(summary.max)}`;
}

export function formatReport(report: LoadReport, slo: Slo, verdict: Verdict): string {
  const { measurements: m, journeys } = report;
  const lines = [
    `${journeys.started} journeys at ${report.ratePerSecond}/s over ${(report.elapsedMs / 1000).toFixed(1)} s against ${report.url}`,
    `journeys: ${journeys.completed} completed, ${journeys.failed} failed`,
    '',
    `${'latency (ms)'.padEnd(14)}${'count'.padStart(8)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'p99'.padStart(9)}${'max'.padStart(9)}`,
    ...STEPS.filter((step) => m.steps[step] !== undefined).map((step) => row(step, m.steps[step]!)),
    row('all requests', m.all),
    row('journey', m.journeys),
    '',
    `requests: ${m.requests}, failed: ${m.failed} (${(verdict.errorRate * 100).toFixed(2)} %), sent again under their Idempotency-Key: ${m.retries}`,
  ];
  const failures = Object.entries(m.failures);
  if (failures.length > 0) {
    lines.push('failures (step status code):');
    for (const [key, count] of failures)
      lines.push(`  ${key.padEnd(40)}${String(count).padStart(6)}`);
  }
  lines.push(
    '',
    `SLO: p99 of all requests ≤ ${slo.p99Ms} ms, error rate ≤ ${(slo.maxErrorRate * 100).toFixed(2)} %`,
    verdict.pass ? 'PASS' : `FAIL: ${verdict.reasons.join('; ')}`,
  );
  return lines.join('\n');
}
