// A collector stand-in for the tracing contenders: a node:http server on a
// loopback port that reads whatever the OTLP exporter posts and answers 200.
//
// It runs in a process of its own, started by the measured server and
// pinned with it (a child keeps its parent's CPU affinity): what receiving
// the spans costs still takes the server's core, as an upper bound of a
// collector elsewhere, but the sink's HTTP server does not share the
// measured process's JavaScript. Inside it, the sink's requests, unlike the
// benchmark's, made node:http's server code polymorphic and slowed every
// request the contender answered, which no deployment's collector does.

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface OtlpSink {
  /** The base URL, for the tracing settings' endpoint. */
  readonly endpoint: string;
  close(): void;
}

/** Starts the sink's process and resolves with its endpoint once it listens. */
export async function startOtlpSink(): Promise<OtlpSink> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    // stdin open for as long as the parent lives: the sink leaves when it closes.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const endpoint = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => {
      reject(new Error(`the OTLP sink exited (${code}) before it listened`));
    });
  });
  lines.close();
  return {
    endpoint,
    close() {
      child.kill();
    },
  };
}

async function serve(): Promise<void> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => process.exit(0));
}

if (import.meta.main) await serve();
