// One client process of `npm run bench:realtime`, forked by the runner
// (client-pool.ts): it opens the WebSockets and event streams it is told to,
// holds them, and timestamps the arrival of each timed order event at each
// connection. Clients live apart from the server so the server's memory and
// CPU are its own, and in several processes so no single event loop
// delays thousands of arrivals behind one another.

import http from 'node:http';
import { WebSocket } from 'ws';
import {
  TIMED_EVENT,
  monotonicMs,
  type ClientKind,
  type Command,
  type Report,
} from './client-protocol.ts';

interface Connection {
  readonly kind: ClientKind;
  /** Order id → arrival time of its timed event. */
  readonly arrivals: Map<string, number>;
  close(): void;
}

type OpenCommand = Extract<Command, { type: 'open' }>;

/** A connection not ready by then (upgraded and subscribed, or its stream's `ready`) failed. */
const OPEN_TIMEOUT_MS = 60_000;
const OPEN_ATTEMPTS = 3;

const held: Connection[] = [];
/** Order id → how many held connections have its event. */
const arrivedCount = new Map<string, number>();
let lost = 0;

function send(report: Report): void {
  process.send!(report);
}

function recordArrival(connection: Connection, orderId: string, at: number): void {
  if (connection.arrivals.has(orderId)) return;
  connection.arrivals.set(orderId, at);
  const count = (arrivedCount.get(orderId) ?? 0) + 1;
  arrivedCount.set(orderId, count);
  if (count === held.length) send({ type: 'arrived', orderId });
}

function onLost(connection: Connection): void {
  const index = held.indexOf(connection);
  if (index === -1) return;
  held.splice(index, 1);
  lost += 1;
}

/** Settles a connection attempt once: ready, or failed (and then closed). */
function attempt(
  resolve: (connection: Connection) => void,
  reject: (error: Error) => void,
  connection: Connection,
) {
  let settled = false;
  const timer = setTimeout(() => {
    fail(new Error(`not ready after ${OPEN_TIMEOUT_MS} ms`));
  }, OPEN_TIMEOUT_MS);
  function fail(error: Error) {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    connection.close();
    reject(error);
  }
  return {
    ready() {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(connection);
    },
    fail,
    /** A close before ready is a failure; after, the connection is lost. */
    closed() {
      if (settled) onLost(connection);
      else fail(new Error('closed before it was ready'));
    },
  };
}

function openSocket(command: OpenCommand): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${command.origin.replace(/^http/, 'ws')}/api/v1/realtime/socket`, {
      headers: { authorization: `Bearer ${command.token}` },
      perMessageDeflate: false,
    });
    const connection: Connection = {
      kind: 'socket',
      arrivals: new Map(),
      close: () => {
        ws.terminate();
      },
    };
    const state = attempt(resolve, reject, connection);
    let subscribed = 0;
    ws.on('error', (error) => {
      state.fail(error);
    });
    ws.once('close', () => {
      state.closed();
    });
    ws.on('message', (data: Buffer) => {
      const at = monotonicMs();
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        code?: string;
        event?: { type: string; aggregateId: string };
      };
      if (message.type === 'subscribed') {
        subscribed += 1;
        if (subscribed === command.orderIds.length) state.ready();
      } else if (message.type === 'error') {
        state.fail(new Error(`socket: ${message.code ?? 'error'}`));
      } else if (message.type === 'event' && message.event?.type === TIMED_EVENT) {
        recordArrival(connection, message.event.aggregateId, at);
      }
    });
    ws.once('open', () => {
      for (const id of command.orderIds) {
        ws.send(JSON.stringify({ type: 'subscribe', channel: `order:${id}` }));
      }
    });
  });
}

function openStream(command: OpenCommand): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const timed = new Set(command.orderIds);
    const req = http.get(`${command.origin}/api/v1/admin/events`, {
      agent: false,
      headers: { authorization: `Bearer ${command.token}`, accept: 'text/event-stream' },
    });
    const connection: Connection = {
      kind: 'stream',
      arrivals: new Map(),
      close: () => {
        req.destroy();
      },
    };
    const state = attempt(resolve, reject, connection);
    req.on('error', (error) => {
      state.fail(error);
    });
    req.once('close', () => {
      state.closed();
    });
    req.once('response', (res) => {
      if (res.statusCode !== 200) {
        state.fail(new Error(`event stream: ${res.statusCode}`));
        return;
      }
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = monotonicMs();
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf('\n\n')) !== -1) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          if (block.includes('event: ready')) state.ready();
          if (!block.includes(`event: ${TIMED_EVENT}\n`)) continue;
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          const event = JSON.parse(data!.slice(6)) as { aggregateId: string };
          if (timed.has(event.aggregateId)) recordArrival(connection, event.aggregateId, at);
        }
      });
    });
  });
}

/** Opens one connection, trying again after a failure (a loaded machine drops a few). */
async function openOne(command: OpenCommand): Promise<number> {
  for (let failures = 0; ; failures += 1) {
    try {
      held.push(command.kind === 'socket' ? await openSocket(command) : await openStream(command));
      return failures;
    } catch (error) {
      if (failures + 1 >= OPEN_ATTEMPTS) throw error;
    }
  }
}

async function open(command: OpenCommand): Promise<void> {
  let next = 0;
  let retries = 0;
  const worker = async () => {
    while (next < command.count) {
      next += 1;
      retries += await openOne(command);
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  send({ type: 'opened', kind: command.kind, count: command.count, retries });
}

function keep(sockets: number, streams: number): void {
  const left: Record<ClientKind, number> = { socket: sockets, stream: streams };
  for (const connection of [...held]) {
    if (left[connection.kind] > 0) {
      left[connection.kind] -= 1;
      continue;
    }
    held.splice(held.indexOf(connection), 1);
    connection.close();
  }
  send({ type: 'kept' });
}

function collect(): void {
  const byKind: Record<ClientKind, Record<string, number[]>> = { socket: {}, stream: {} };
  for (const connection of held) {
    for (const [orderId, at] of connection.arrivals) {
      (byKind[connection.kind][orderId] ??= []).push(at);
    }
  }
  send({ type: 'arrivals', socket: byKind.socket, stream: byKind.stream, lost });
}

process.on('message', (command: Command) => {
  const run = async () => {
    if (command.type === 'open') await open(command);
    else if (command.type === 'keep') keep(command.sockets, command.streams);
    else collect();
  };
  run().catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});
// The runner ends this process by closing the channel (or killing it).
process.on('disconnect', () => {
  for (const connection of held) connection.close();
  process.exit(0);
});
