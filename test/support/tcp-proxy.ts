// A TCP proxy a test owns, in front of a backing service (Redis, a database),
// so a test can watch a client fail and recover for real:
// - `cut()` drops every connection and refuses new ones: the server is gone.
// - `stall()` keeps connections open but forwards nothing either way: a
//   server that stops answering (what a client's timeouts are for).
// - `blackhole()` is a network that drops packets instead of resetting (a NAT
//   or firewall that lost its state): nothing is forwarded and nothing is
//   closed, and every connection open now or made until `restore()` stays
//   silent for good, even after it.
// - `restore()` undoes any of them for new connections (after a stall the
//   connections it tore are closed, so clients reconnect; after a blackhole
//   they are left silent, so clients must notice by themselves).
//
// Behind a proxy in user space the proxy's own kernel answers TCP keep-alive
// probes, so a blackholed connection looks alive to them: only a client's
// own timeouts find it.
// - `retarget()` sends new connections to another port: a restarted server
//   that listens on a new ephemeral port keeps one address for its clients.

import { createServer, Socket, type AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Chunks swallowed by silent (blackholed) connections so far. */
  readonly swallowed: number;
  cut(): void;
  stall(): void;
  blackhole(): void;
  restore(): void;
  retarget(target: { host: string; port: number }): void;
  close(): Promise<void>;
}

/** One client connection and the upstream one it is forwarded to. */
interface Link {
  /** Blackholed: forwards nothing, and never closes its client's side. */
  silent: boolean;
}

export async function startTcpProxy(initial: { host: string; port: number }): Promise<TcpProxy> {
  let target = initial;
  const sockets = new Set<Socket>();
  const links = new Set<Link>();
  let down = false;
  let stalled = false;
  let dropping = false;
  let swallowed = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    track(client);
    const link: Link = { silent: dropping };
    links.add(link);
    client.on('close', () => links.delete(link));
    if (link.silent) {
      // Accepted by the kernel, then never heard from: like a SYN into a black hole
      // that happened to be answered.
      client.on('data', () => (swallowed += 1));
      return;
    }
    const upstream = new Socket();
    upstream.connect(target.port, target.host);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!link.silent) client.destroy();
    });
    // Forwarded by hand (not piped) so that a stall or a blackhole can swallow bytes.
    client.on('data', (chunk: Buffer) => {
      if (link.silent) swallowed += 1;
      else if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.silent) swallowed += 1;
      else if (!stalled) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get swallowed() {
      return swallowed;
    },
    cut() {
      down = true;
      for (const socket of sockets) socket.destroy();
    },
    stall() {
      stalled = true;
    },
    blackhole() {
      dropping = true;
      for (const link of links) link.silent = true;
    },
    restore() {
      down = false;
      dropping = false;
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
