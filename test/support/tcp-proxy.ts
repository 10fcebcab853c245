// A TCP proxy a test owns, in front of a backing service (Redis, a database),
// so a test can watch a client fail and recover for real:
// - `cut()` drops every connection and refuses new ones: the server is gone.
// - `stall()` keeps connections open but forwards nothing either way: a
//   server that stops answering (what a client's timeouts are for).
// - `restore()` undoes either: new connections go through again (after a
//   stall the connections it tore are closed, so clients reconnect).
// - `retarget()` sends new connections to another port: a restarted server
//   that listens on a new ephemeral port keeps one address for its clients.

import { createServer, Socket, type AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  cut(): void;
  stall(): void;
  restore(): void;
  retarget(target: { host: string; port: number }): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initial: { host: string; port: number }): Promise<TcpProxy> {
  let target = initial;
  const sockets = new Set<Socket>();
  let down = false;
  let stalled = false;
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    // Forwarded by hand (not piped) so that a stall can swallow bytes.
    client.on('data', (chunk: Buffer) => {
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!stalled) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    stall() {
      stalled = true;
    },
    restore() {
      down = false;
      if (stalled) {
        // Bytes were swallowed: those streams are torn. Clients reconnect.
        stalled = false;
        for (const socket of sockets) socket.destroy();
      }
    },
    retarget(next) {
      target = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
