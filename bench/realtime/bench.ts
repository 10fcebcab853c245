// The realtime benchmark's steps against a running server, apart from how
// the server and its database were started (run.ts for the real runs, the
// test for a tiny one):
// 1. memory: idle WebSockets, then idle event streams, opened from client
//    processes; the server's resident size and V8 heap read before and after
//    each, after a collection — bytes per connection of each kind;
// 2. fan-out: the connections trimmed to the fan-out size, then order
//    cancellations timed from commit to every client (fan-out.ts);
// 3. upload: a large file through the disk store's presigned URL against
//    cp (upload.ts).

import { setTimeout as delay } from 'node:timers/promises';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { ClientPool } from './client-pool.ts';
import { fanOut, placeOrders } from './fan-out.ts';
import { openFileLimit, type OpenFileLimit } from './file-limits.ts';
import {
  connectedClients,
  perConnection,
  readMemory,
  scrape,
  type MeasuredServer,
  type MemoryReading,
} from './server-memory.ts';
import { summariseLatency, type LatencySummary } from './summary.ts';
import { measureUpload, type UploadResult, type UploadTarget } from './upload.ts';

export interface RealtimeSizes {
  /** Idle connections held for the memory figures: sockets and streams. */
  readonly idle: { readonly sockets: number; readonly streams: number };
  /** Connections the events fan out to. */
  readonly fanOut: { readonly sockets: number; readonly streams: number };
  /** Order status changes timed. */
  readonly events: number;
  /** Client processes the connections are spread over. */
  readonly processes: number;
  /** Connections each client process opens at once. */
  readonly concurrency: number;
  readonly uploadBytes: number;
  readonly uploadRounds: number;
}

export type BenchServer = MeasuredServer & UploadTarget;

export interface RealtimeReport {
  readonly sizes: RealtimeSizes;
  readonly openFiles: {
    readonly server: OpenFileLimit | undefined;
    readonly clients: OpenFileLimit | undefined;
  };
  /** Connection attempts that failed and were made again (a loaded machine drops a few). */
  readonly openRetries: number;
  readonly memory: {
    readonly baseline: MemoryReading;
    readonly withSockets: MemoryReading;
    readonly withStreams: MemoryReading;
    readonly perSocket: { residentBytes: number; heapUsedBytes: number };
    readonly perStream: { residentBytes: number; heapUsedBytes: number };
    readonly perConnection: { residentBytes: number; heapUsedBytes: number };
  };
  readonly fanOut: {
    readonly socket: LatencySummary;
    readonly stream: LatencySummary;
    readonly all: LatencySummary;
    readonly cancelRoundTrip: LatencySummary;
    readonly lost: number;
  };
  readonly upload: UploadResult;
}

async function signIn(origin: string): Promise<string> {
  const response = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: DEMO_ACCOUNTS.admin.email,
      password: DEMO_ACCOUNTS.admin.password,
    }),
  });
  if (response.status !== 200) {
    throw new Error(`sign-in: ${response.status} ${await response.text()}`);
  }
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** Waits until the server counts exactly these clients (closes reach it a little later). */
async function untilConnected(server: BenchServer, websocket: number, sse: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const clients = connectedClients(await scrape(server));
    if (clients.websocket === websocket && clients.sse === sse) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the server holds ${clients.websocket} sockets and ${clients.sse} streams, not ${websocket} and ${sse}`,
      );
    }
    await delay(200);
  }
}

export async function runRealtimeBench(
  server: BenchServer,
  sizes: RealtimeSizes,
  log: (line: string) => void = () => undefined,
): Promise<RealtimeReport> {
  const token = await signIn(server.origin);
  // Placed before anyone listens: only their cancellations are fanned out.
  const orderIds = await placeOrders(server.origin, token, sizes.events);
  const perProcess = Math.ceil((sizes.idle.sockets + sizes.idle.streams) / sizes.processes);
  const pool = ClientPool.start(sizes.processes, perProcess + 256);
  const shared = { origin: server.origin, token, orderIds, concurrency: sizes.concurrency };
  let report: Omit<RealtimeReport, 'upload'>;
  try {
    // One of each first, so the code paths are loaded and warm before the baseline.
    await pool.open('socket', 1, shared);
    await pool.open('stream', 1, shared);
    await pool.keep(0, 0);
    await untilConnected(server, 0, 0);
    const baseline = await readMemory(server);

    log(`opening ${sizes.idle.sockets} sockets over ${sizes.processes} processes`);
    await pool.open('socket', sizes.idle.sockets, shared);
    await untilConnected(server, sizes.idle.sockets, 0);
    const withSockets = await readMemory(server);
    log(`opening ${sizes.idle.streams} event streams`);
    await pool.open('stream', sizes.idle.streams, shared);
    await untilConnected(server, sizes.idle.sockets, sizes.idle.streams);
    const withStreams = await readMemory(server);

    const fanOutSockets = Math.min(sizes.fanOut.sockets, sizes.idle.sockets);
    const fanOutStreams = Math.min(sizes.fanOut.streams, sizes.idle.streams);
    await pool.keep(fanOutSockets, fanOutStreams);
    await untilConnected(server, fanOutSockets, fanOutStreams);
    log(
      `fanning ${sizes.events} order cancellations out to ${fanOutSockets + fanOutStreams} clients`,
    );
    const samples = await fanOut(server.origin, token, orderIds, pool);
    report = {
      sizes,
      openFiles: { server: openFileLimit(server.pid), clients: openFileLimit(pool.pids[0]!) },
      openRetries: pool.retries,
      memory: {
        baseline,
        withSockets,
        withStreams,
        perSocket: perConnection(baseline, withSockets, sizes.idle.sockets),
        perStream: perConnection(withSockets, withStreams, sizes.idle.streams),
        perConnection: perConnection(
          baseline,
          withStreams,
          sizes.idle.sockets + sizes.idle.streams,
        ),
      },
      fanOut: {
        socket: summariseLatency(samples.socket),
        stream: summariseLatency(samples.stream),
        all: summariseLatency([...samples.socket, ...samples.stream]),
        cancelRoundTrip: summariseLatency(samples.roundTrips),
        lost: samples.lost,
      },
    };
  } finally {
    await pool.stop();
  }
  log(`uploading ${sizes.uploadBytes} bytes, ${sizes.uploadRounds} rounds, against cp`);
  const upload = await measureUpload(server, sizes.uploadBytes, sizes.uploadRounds);
  return { ...report, upload };
}
