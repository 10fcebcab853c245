// Many small requests, cheaply: HTTP/1.1 pipelining over a few raw sockets.
//
// A test that needs thousands of requests (to show that distinct URLs do not
// grow the metric series, say) spends most of its time in the client when it
// uses fetch from the same process: undici's per-request bookkeeping costs
// several times what the server does for a 404. Written straight to a socket,
// the requests cost the test process almost nothing, and the run stays short
// on a loaded machine. Responses are read in order, framed by their
// Content-Length or chunked encoding.

import { connect, type Socket } from 'node:net';

export interface PipelinedRequest {
  readonly method: string;
  /** Path and query, sent as written. */
  readonly path: string;
}

/** How many responses came back with each status. */
export type StatusCounts = Map<number, number>;

/**
 * Sends `requests` to `baseUrl` over `connections` sockets, `depth` in flight
 * per socket, and counts the answers' statuses. Rejects if a socket closes
 * or fails before all its answers arrived.
 */
export async function sendPipelined(
  baseUrl: string,
  requests: readonly PipelinedRequest[],
  { connections = 8, depth = 32 }: { connections?: number; depth?: number } = {},
): Promise<StatusCounts> {
  const { hostname, port } = new URL(baseUrl);
  const shares = Array.from({ length: connections }, (_, c) =>
    requests.filter((_, i) => i % connections === c),
  );
  const counts: StatusCounts = new Map();
  await Promise.all(
    shares.map(async (share) => {
      const socket = connect({ host: hostname, port: Number(port) });
      try {
        for (const status of await exchange(socket, hostname, share, depth))
          counts.set(status, (counts.get(status) ?? 0) + 1);
      } finally {
        socket.destroy();
      }
    }),
  );
  return counts;
}

function exchange(
  socket: Socket,
  host: string,
  share: readonly PipelinedRequest[],
  depth: number,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const statuses: number[] = [];
    let sent = 0;
    let buffer = Buffer.alloc(0);
    const fill = (): void => {
      while (sent < share.length && sent - statuses.length < depth) {
        const { method, path } = share[sent]!;
        socket.write(`${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n\r\n`);
        sent += 1;
      }
    };
    socket.on('connect', fill);
    socket.on('error', reject);
    socket.on('close', () => {
      if (statuses.length < share.length)
        reject(new Error(`connection closed after ${statuses.length} of ${share.length} answers`));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = takeResponse(buffer);
        if (parsed === undefined) break;
        statuses.push(parsed.status);
        buffer = buffer.subarray(parsed.length);
      }
      if (statuses.length === share.length) resolve(statuses);
      else fill();
    });
  });
}

/** The first complete response in `buffer`: its status and byte length, or undefined if incomplete. */
function takeResponse(buffer: Buffer): { status: number; length: number } | undefined {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const head = buffer.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const bodyStart = headEnd + 4;
  const lengthHeader = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (lengthHeader !== null) {
    const end = bodyStart + Number(lengthHeader[1]);
    return buffer.length < end ? undefined : { status, length: end };
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      at = lineEnd + 2 + size + 2;
      if (buffer.length < at) return undefined;
      if (size === 0) return { status, length: at };
    }
  }
  // No body (204, 304, or a response without framing, which HTTP/1.1 keep-alive cannot carry).
  return { status, length: bodyStart };
}
