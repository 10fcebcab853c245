// `npm run bench:realtime`: what realtime clients cost the service, and how
// fast an event reaches them. One server process (server.ts) on a prepared
// database; this process holds the clients:
// - memory: the server's resident size before and after opening `clients`
//   WebSockets (each following one product's channel) and as many event
//   streams (the admin stream), all idle — bytes per connection;
// - fan-out: `events` product updates, one after the other, each timed from
//   its PATCH response (the commit) to its arrival at every client — p50,
//   p99 and max over all arrivals. The relay's pause (--poll-ms) is part of
//   that delay, by design: it is what a deployment configures.
// Keep --clients small on a shared machine: the clients run in this one
// process, so at large N their own event loop adds to the figures.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { preparePglite, preparePostgres } from '../db/databases.ts';
import { machineInfo } from '../lib/machine.ts';
import { wholeNumber } from '../lib/options.ts';
import { startServerProcess } from '../lib/server-process.ts';
import { bytesPerConnection, summariseLatency } from './summary.ts';

const USAGE = `Usage: npm run bench:realtime -- [options]

  --clients <n>       WebSockets, and as many event streams (default 50, env BENCH_REALTIME_CLIENTS)
  --events <n>        product updates fanned out (default 20)
  --poll-ms <n>       the relay's OUTBOX_POLL_INTERVAL_MS (default 50)
  --postgres-url <u>  run on this PostgreSQL server (default DATABASE_URL; none: PGlite)
  --out <file>        JSON results (default bench/results/realtime-latest.json)
`;

const PRODUCT = '12';
const ARRIVAL_TIMEOUT_MS = 30_000;

const { values } = parseArgs({
  options: {
    clients: { type: 'string' },
    events: { type: 'string' },
    'poll-ms': { type: 'string' },
    'postgres-url': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const clients = wholeNumber(
  '--clients',
  values.clients ?? process.env['BENCH_REALTIME_CLIENTS'] ?? '50',
  1,
);
const events = wholeNumber('--events', values.events ?? '20', 1);
const pollMs = wholeNumber('--poll-ms', values['poll-ms'] ?? '50', 10);
const postgresUrl = values['postgres-url'] ?? (process.env['DATABASE_URL'] || undefined);
const out = values.out ?? 'bench/results/realtime-latest.json';

/** Arrival times (performance.now()) per product version, per client. */
type Arrivals = Map<number, number>;

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

async function call(origin: string, path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
  return fetch(`${origin}${path}`, { ...init, headers });
}

function openSocket(origin: string, token: string, arrivals: Arrivals): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/v1/realtime/socket`, {
      headers: { authorization: `Bearer ${token}` },
    });
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const at = performance.now();
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        event?: { type: string; data: { version: number } };
      };
      if (message.type === 'subscribed') resolve(ws);
      if (message.type === 'event' && message.event?.type === 'product.updated') {
        arrivals.set(message.event.data.version, at);
      }
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', channel: `product-stock:${PRODUCT}` }));
    });
  });
}

function openStream(
  origin: string,
  token: string,
  arrivals: Arrivals,
): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${origin}/api/v1/admin/events`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } },
      (res) => {
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          pending += chunk;
          let cut: number;
          while ((cut = pending.indexOf('\n\n')) !== -1) {
            const block = pending.slice(0, cut);
            pending = pending.slice(cut + 2);
            if (block.includes('event: ready')) resolve(req);
            if (!block.includes('event: product.updated')) continue;
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            const event = JSON.parse(data!.slice(6)) as {
              aggregateId: string;
              data: { version: number };
            };
            if (event.aggregateId === PRODUCT) arrivals.set(event.data.version, at);
          }
        });
      },
    );
    req.once('error', reject);
  });
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-realtime-'));
  const pglite = postgresUrl === undefined ? await preparePglite() : undefined;
  const postgres = postgresUrl === undefined ? undefined : await preparePostgres(postgresUrl);
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: pglite?.dataDir ?? dataDir,
    DATABASE_URL: postgres?.url,
    OUTBOX_POLL_INTERVAL_MS: String(pollMs),
  };
  const removeDatabase = () => (pglite === undefined ? postgres!.drop() : pglite.remove());
  const server = await startServerProcess({
    script: 'bench/realtime/server.ts',
    env,
    cpu: undefined,
  });
  const origin = `http://127.0.0.1:${server.port}`;
  const sockets: WebSocket[] = [];
  const streams: http.ClientRequest[] = [];
  try {
    const signIn = await call(origin, '/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: DEMO_ACCOUNTS.admin.email,
        password: DEMO_ACCOUNTS.admin.password,
      }),
    });
    if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status} ${await signIn.text()}`);
    const { accessToken: token } = (await signIn.json()) as { accessToken: string };

    // One of each first, so the hub, ws and the code paths are loaded before the baseline.
    const warm = new Map<number, number>();
    (await openSocket(origin, token, warm)).terminate();
    (await openStream(origin, token, warm)).destroy();
    await delay(500);
    const before = residentBytes(server.pid);

    const socketArrivals: Arrivals[] = [];
    const streamArrivals: Arrivals[] = [];
    for (let index = 0; index < clients; index += 1) {
      const arrivals: Arrivals = new Map();
      socketArrivals.push(arrivals);
      sockets.push(await openSocket(origin, token, arrivals));
      const streamed: Arrivals = new Map();
      streamArrivals.push(streamed);
      streams.push(await openStream(origin, token, streamed));
    }
    await delay(1000);
    const after = residentBytes(server.pid);

    const socketDelays: number[] = [];
    const streamDelays: number[] = [];
    for (let index = 0; index < events; index += 1) {
      const current = await call(origin, `/api/v1/products/${PRODUCT}`, { token });
      const etag = current.headers.get('etag')!;
      await current.arrayBuffer();
      const patch = await call(origin, `/api/v1/products/${PRODUCT}`, {
        method: 'PATCH',
        token,
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag },
        body: JSON.stringify({ title: `Realtime bench ${index}` }),
      });
      const committedAt = performance.now();
      if (patch.status !== 200) throw new Error(`PATCH: ${patch.status} ${await patch.text()}`);
      const { version } = (await patch.json()) as { version: number };
      const everyone = [...socketArrivals, ...streamArrivals];
      const deadline = committedAt + ARRIVAL_TIMEOUT_MS;
      while (everyone.some((arrivals) => !arrivals.has(version))) {
        if (performance.now() > deadline)
          throw new Error(`version ${version} did not reach everyone`);
        await delay(5);
      }
      for (const arrivals of socketArrivals)
        socketDelays.push(arrivals.get(version)! - committedAt);
      for (const arrivals of streamArrivals)
        streamDelays.push(arrivals.get(version)! - committedAt);
    }

    const result = {
      machine: machineInfo(),
      engine: postgresUrl === undefined ? 'pglite' : 'postgres',
      clients: { sockets: clients, streams: clients },
      events,
      pollMs,
      memory: {
        residentBefore: before,
        residentAfter: after,
        bytesPerConnection: bytesPerConnection(before, after, clients * 2),
      },
      fanOut: {
        socket: summariseLatency(socketDelays),
        stream: summariseLatency(streamDelays),
        all: summariseLatency([...socketDelays, ...streamDelays]),
      },
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    const { socket, stream } = result.fanOut;
    process.stdout.write(
      [
        `realtime: ${clients} sockets + ${clients} event streams on ${result.engine}, relay pause ${pollMs} ms`,
        `  memory: ${(result.memory.bytesPerConnection / 1024).toFixed(1)} KiB resident per idle connection`,
        `  commit → client, ${events} events: socket p50 ${socket.p50Ms} ms, p99 ${socket.p99Ms} ms, max ${socket.maxMs} ms`,
        `                                     stream p50 ${stream.p50Ms} ms, p99 ${stream.p99Ms} ms, max ${stream.maxMs} ms`,
        `  written to ${out}`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const req of streams) req.destroy();
    await server.stop();
    await removeDatabase();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
