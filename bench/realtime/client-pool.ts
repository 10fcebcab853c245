// The runner's side of the client processes (clients.ts): forks them, splits
// the connections between them, and turns their IPC reports into promises.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientKind, Command, Report } from './client-protocol.ts';
import { raiseOpenFileLimit } from './file-limits.ts';

const CLIENT_SCRIPT = fileURLToPath(new URL('./clients.ts', import.meta.url));

interface Client {
  readonly child: ChildProcess;
  /** How many connections of each kind it holds now. */
  readonly holds: Record<ClientKind, number>;
  /** Orders whose event every connection of this process has received. */
  readonly arrived: Set<string>;
}

export interface Arrivals {
  /** Per order id, arrival times at every socket / stream (monotonic ms). */
  readonly socket: Map<string, number[]>;
  readonly stream: Map<string, number[]>;
  readonly lost: number;
}

/** `total` split as evenly as possible into `parts` whole shares. */
export function split(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  );
}

export class ClientPool {
  private readonly clients: Client[];
  /** Called on every `arrived` report: the waiters check again. */
  private readonly onArrival = new Set<() => void>();
  /** Connection attempts that failed and were made again, over all opens. */
  retries = 0;

  private constructor(clients: Client[]) {
    this.clients = clients;
    // Kept from the start: an event can reach the clients before the
    // runner has even read the response of the request that caused it.
    for (const client of clients) {
      client.child.on('message', (report: Report) => {
        if (report.type !== 'arrived') return;
        client.arrived.add(report.orderId);
        for (const check of this.onArrival) check();
      });
    }
  }

  /** Forks `processes` client processes, each allowed `openFiles` descriptors when possible. */
  static start(processes: number, openFiles: number): ClientPool {
    const clients = Array.from({ length: processes }, () => {
      // No inherited flags (a test runner's, an inspector's): the script runs as plain node.
      const child = fork(CLIENT_SCRIPT, [], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      raiseOpenFileLimit(child.pid!, openFiles);
      return { child, holds: { socket: 0, stream: 0 }, arrived: new Set<string>() };
    });
    return new ClientPool(clients);
  }

  get pids(): number[] {
    return this.clients.map(({ child }) => child.pid!);
  }

  /** Opens `count` connections of `kind`, spread over the processes. */
  async open(
    kind: ClientKind,
    count: number,
    shared: Omit<Extract<Command, { type: 'open' }>, 'type' | 'kind' | 'count'>,
  ): Promise<void> {
    const shares = split(count, this.clients.length);
    await Promise.all(
      this.clients.map(async (client, index) => {
        const share = shares[index]!;
        if (share === 0) return;
        const report = await this.ask(
          client,
          { type: 'open', kind, count: share, ...shared },
          'opened',
        );
        if (report.type === 'opened') this.retries += report.retries;
        client.holds[kind] += share;
      }),
    );
  }

  /** Closes connections until `sockets` and `streams` are held, spread over the processes. */
  async keep(sockets: number, streams: number): Promise<void> {
    const socketShares = split(sockets, this.clients.length);
    const streamShares = split(streams, this.clients.length);
    await Promise.all(
      this.clients.map(async (client, index) => {
        const keepSockets = Math.min(socketShares[index]!, client.holds.socket);
        const keepStreams = Math.min(streamShares[index]!, client.holds.stream);
        await this.ask(
          client,
          { type: 'keep', sockets: keepSockets, streams: keepStreams },
          'kept',
        );
        client.holds.socket = keepSockets;
        client.holds.stream = keepStreams;
      }),
    );
  }

  /** Resolves once every held connection has received `orderId`'s timed event. */
  async arrived(orderId: string, timeoutMs: number): Promise<void> {
    const holding = this.clients.filter(({ holds }) => holds.socket + holds.stream > 0);
    const done = () => holding.every((client) => client.arrived.has(orderId));
    let check: (() => void) | undefined;
    try {
      await withTimeout(
        `order ${orderId}'s event to reach every client`,
        timeoutMs,
        new Promise<void>((resolve) => {
          check = () => {
            if (done()) resolve();
          };
          this.onArrival.add(check);
          check();
        }),
      );
    } finally {
      if (check !== undefined) this.onArrival.delete(check);
    }
  }

  /** Every arrival the processes recorded, merged. */
  async collect(): Promise<Arrivals> {
    const reports = await Promise.all(
      this.clients.map((client) => this.ask(client, { type: 'collect' }, 'arrivals')),
    );
    const socket = new Map<string, number[]>();
    const stream = new Map<string, number[]>();
    let lost = 0;
    for (const report of reports) {
      if (report.type !== 'arrivals') continue;
      lost += report.lost;
      for (const [into, from] of [
        [socket, report.socket],
        [stream, report.stream],
      ] as const) {
        for (const [orderId, times] of Object.entries(from)) {
          into.set(orderId, [...(into.get(orderId) ?? []), ...times]);
        }
      }
    }
    return { socket, stream, lost };
  }

  /** Ends every process; their connections close with them. */
  async stop(): Promise<void> {
    await Promise.all(
      this.clients.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => {
              resolve();
            });
            if (child.connected) child.disconnect();
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }

  private ask(client: Client, command: Command, answer: Report['type']): Promise<Report> {
    const reply = this.awaitReport(client.child, (report) => report.type === answer);
    client.child.send(command);
    return reply;
  }

  private awaitReport(child: ChildProcess, wanted: (report: Report) => boolean): Promise<Report> {
    return new Promise((resolve, reject) => {
      const onMessage = (report: Report) => {
        if (report.type === 'failed') {
          cleanup();
          reject(new Error(`client process ${child.pid}: ${report.message}`));
        } else if (wanted(report)) {
          cleanup();
          resolve(report);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`client process ${child.pid} exited`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }
}

async function withTimeout<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
