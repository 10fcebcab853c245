// A fake OpenSearch: a real `node:http` server on 127.0.0.1 and an ephemeral
// port, for the OpenSearch adapter's behaviour where no OpenSearch can run
// (the real one is checked by the contract suite when OPENSEARCH_URL is
// set). It is not an emulation of OpenSearch: a test says what each request
// gets — a JSON answer with a status, silence (a server that stops
// answering), or a reset connection — and reads back every request made,
// with its body, to check the calls the adapter made and their order.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The body as sent: JSON, NDJSON for bulk, or empty. */
  readonly body: string;
}

export type FakeAnswer =
  | { readonly status: number; readonly body?: unknown }
  /** Never answers (until the fake closes): the client's timeout decides. */
  | { readonly silent: true }
  /** Drops the connection without an answer. */
  | { readonly reset: true };

export type FakeHandler = (request: RecordedRequest) => FakeAnswer;

export interface FakeOpenSearch {
  readonly url: string;
  /** Every request received so far, in order. */
  readonly requests: RecordedRequest[];
  /** How many requests the client gave up on (closed) before they were answered. */
  cutOff(): number;
  /** Replaces how requests are answered. */
  answer(handler: FakeHandler): void;
  close(): Promise<void>;
}

/** The documented body of an error answer (`{ error: { type, reason }, status }`). */
export function errorBody(status: number, type: string, reason = type): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

export async function startFakeOpenSearch(
  initial: FakeHandler = () => ({ status: 200, body: {} }),
): Promise<FakeOpenSearch> {
  let handler = initial;
  const requests: RecordedRequest[] = [];
  let cutOff = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('close', () => {
      if (!res.writableEnded) cutOff += 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const answer = handler(recorded);
      if ('silent' in answer) return;
      if ('reset' in answer) {
        req.socket.destroy();
        return;
      }
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=UTF-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(recorded.method === 'HEAD' ? undefined : text);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutOff: () => cutOff,
    answer(next) {
      handler = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

/** A URL nothing listens on: a port the system handed out, then released. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return `http://127.0.0.1:${port}`;
}
