// A webhook receiver for tests: a real node:http server on 127.0.0.1, port 0,
// that records every POST (headers and the raw body) per path and answers
// with whatever status the test chose for that path and attempt.

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The raw body, exactly as it arrived (what signatures cover). */
  readonly body: string;
  readonly at: Date;
}

/** The status to answer the `n`th request (from 1) on a path. */
export type Respond = (n: number) => number;

export interface Receiver {
  readonly url: string;
  /** Answers on `path` (default: 200). */
  on(path: string, respond: Respond): void;
  received(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const byPath = new Map<string, Received[]>();
  const responders = new Map<string, Respond>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const list = byPath.get(path) ?? [];
      list.push({
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: new Date(),
      });
      byPath.set(path, list);
      const status = (responders.get(path) ?? (() => 200))(list.length);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status < 300 ? 'thanks' : `nope ${list.length}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    on(path, respond) {
      responders.set(path, respond);
    },
    received: (path) => [...(byPath.get(path) ?? [])],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
