// The realtime benchmark's figures: percentiles of the commit-to-client
// delays, and memory per idle connection from the server's resident size.

import type { RealtimeReport } from './bench.ts';

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summariseLatency(values: readonly number[]): LatencySummary {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    samples: values.length,
    p50Ms: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(values.length === 0 ? Number.NaN : Math.max(...values)),
  };
}

/** Bytes of resident memory per connection, from the server's size before and after. */
export function bytesPerConnection(before: number, after: number, connections: number): number {
  return connections === 0 ? 0 : Math.round((after - before) / connections);
}

/** The printed table of a run (the JSON has every reading besides). */
export function formatReport(
  report: RealtimeReport,
  context: { readonly engine: string; readonly pollMs: number; readonly cores: number },
): string {
  const { sizes, memory, fanOut, upload } = report;
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const row = (cells: readonly (string | number)[]) => `  | ${cells.join(' | ')} |`;
  const latency = (name: string, clients: number, summary: LatencySummary) =>
    row([name, clients, summary.samples, summary.p50Ms, summary.p99Ms, summary.maxMs]);
  const idle = sizes.idle.sockets + sizes.idle.streams;
  const fanned = sizes.fanOut.sockets + sizes.fanOut.streams;
  return [
    `realtime on ${context.engine}, ${context.cores} cores; clients in ${sizes.processes} processes; server open-file limit ${report.openFiles.server?.soft ?? 'unknown'}`,
    '',
    `  memory, ${idle} idle connections (server, after GC; ${report.openRetries} connection attempts retried):`,
    row(['connection', 'held', 'resident / conn', 'V8 heap / conn']),
    row(['---', '---:', '---:', '---:']),
    row([
      'WebSocket',
      sizes.idle.sockets,
      kib(memory.perSocket.residentBytes),
      kib(memory.perSocket.heapUsedBytes),
    ]),
    row([
      'event stream',
      sizes.idle.streams,
      kib(memory.perStream.residentBytes),
      kib(memory.perStream.heapUsedBytes),
    ]),
    row([
      'all',
      idle,
      kib(memory.perConnection.residentBytes),
      kib(memory.perConnection.heapUsedBytes),
    ]),
    '',
    `  fan-out, commit → client, ${sizes.events} order cancellations to ${fanned} clients (relay poll ${context.pollMs} ms; ms):`,
    row(['clients', 'count', 'samples', 'p50', 'p99', 'max']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    latency('WebSocket', sizes.fanOut.sockets, fanOut.socket),
    latency('event stream', sizes.fanOut.streams, fanOut.stream),
    latency('all', fanned, fanOut.all),
    `  the commit lies within the cancel's round trip: p50 ${fanOut.cancelRoundTrip.p50Ms} ms, max ${fanOut.cancelRoundTrip.maxMs} ms; connections lost: ${fanOut.lost}`,
    '',
    `  upload, ${(upload.bytes / 1024 / 1024).toFixed(0)} MiB, median of ${upload.rounds}:`,
    row(['path', 'MiB/s', 'upload ÷ this']),
    row(['---', '---:', '---:']),
    row(['PUT to the presigned disk URL', upload.uploadMiBps, 1]),
    row(['cp', upload.cpMiBps, upload.ratioToCp]),
    row(['cp + sync', upload.cpSyncMiBps, upload.ratioToCpSync]),
    '',
  ].join('\n');
}
