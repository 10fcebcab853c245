// The server's memory, read from outside: its resident size from /proc, and
// its V8 heap and realtime client counts from its own /metrics. Before each
// reading the server is asked to collect garbage (SIGUSR2, handled by
// server.ts when node runs with --expose-gc), so the heap figure is what the
// connections keep alive, not what they left behind.

import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface MemoryReading {
  readonly residentBytes: number;
  readonly heapUsedBytes: number;
  readonly clients: { readonly sse: number; readonly websocket: number };
}

export interface MeasuredServer {
  readonly origin: string;
  readonly pid: number;
  readonly metricsToken: string;
}

/**
 * Time for the signal to be handled before the next one or the scrape: the
 * collection itself runs synchronously in the handler.
 */
const SETTLE_MS = 200;

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

/** One sample's value from the Prometheus text, e.g. `realtime_clients{transport="sse"}`. */
export function metricValue(text: string, sample: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return Number.NaN;
}

export async function scrape(server: MeasuredServer): Promise<string> {
  const response = await fetch(`${server.origin}/metrics`, {
    headers: { authorization: `Bearer ${server.metricsToken}` },
  });
  if (response.status !== 200) throw new Error(`/metrics: ${response.status}`);
  return response.text();
}

export function connectedClients(text: string): MemoryReading['clients'] {
  return {
    sse: metricValue(text, 'realtime_clients{transport="sse"}'),
    websocket: metricValue(text, 'realtime_clients{transport="websocket"}'),
  };
}

export async function readMemory(server: MeasuredServer): Promise<MemoryReading> {
  // Twice: the first pass frees what finalizers hold on to, the second the rest.
  for (let pass = 0; pass < 2; pass += 1) {
    process.kill(server.pid, 'SIGUSR2');
    await delay(SETTLE_MS);
  }
  const text = await scrape(server);
  return {
    residentBytes: residentBytes(server.pid),
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    clients: connectedClients(text),
  };
}

/** Bytes per connection between two readings. */
export function perConnection(
  before: MemoryReading,
  after: MemoryReading,
  connections: number,
): { residentBytes: number; heapUsedBytes: number } {
  const per = (delta: number) => (connections === 0 ? 0 : Math.round(delta / connections));
  return {
    residentBytes: per(after.residentBytes - before.residentBytes),
    heapUsedBytes: per(after.heapUsedBytes - before.heapUsedBytes),
  };
}
