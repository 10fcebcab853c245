// A trace collector stand-in for the exporters' tests: a node:http server on
// a free loopback port that keeps every POST's headers and body and answers
// each with the next scripted status (200 once the script runs out).

import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface ReceivedPost {
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface ScriptedAnswer {
  readonly status: number;
  /** A `Retry-After` header to send with it. */
  readonly retryAfter?: string;
}

/** Starts the collector, closed after test `t`; `url` is its /v1/traces. */
export async function scriptedCollector(t: TestContext, script: ScriptedAnswer[] = []) {
  const received: ReceivedPost[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const next = script.shift() ?? { status: 200 };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (next.retryAfter !== undefined) headers['retry-after'] = next.retryAfter;
      res.writeHead(next.status, headers).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, received };
}
