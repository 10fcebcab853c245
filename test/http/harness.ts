// Test harness for the HTTP core: an App on a real socket (127.0.0.1, an
// ephemeral port) with a logger whose lines the test can read.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App, type AppOptions } from '../../src/http/app.ts';
import { captureLogger, type LogRecord } from '../support/start.ts';

export interface Harness {
  readonly app: App;
  readonly url: string;
  readonly logs: LogRecord[];
  close(): Promise<void>;
}

/** Builds an app, lets `setup` register routes, and serves it over HTTP/1.1. */
export async function serve(
  setup: (app: App) => void,
  options: Partial<AppOptions> = {},
): Promise<Harness> {
  const { logger, records: logs } = captureLogger();
  const app = createApp({ logger, ...options });
  setup(app);
  app.build();
  const server = http.createServer(app.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    logs,
    async close() {
      app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request over a fresh socket, for paths and bytes `fetch` would normalise. */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
