// A collector stand-in for the tracing contenders: a node:http server on a
// loopback port that reads whatever the OTLP exporter posts and answers 200.
// It runs inside the measured server process, so what receiving the spans
// costs is counted against tracing too: the measured cost is an upper bound
// of what a process exporting to a real collector elsewhere pays.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** The base URL, for the tracing settings' endpoint. */
  readonly endpoint: string;
  close(): void;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
