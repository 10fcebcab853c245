// Realtime clients for tests, on real sockets: an event-stream reader that
// parses what arrives (events, comments, retry) as it arrives, and a
// WebSocket client that collects JSON messages. Both wait for conditions
// (`next`, `until`), never for time.

import http from 'node:http';
import { WebSocket } from 'ws';
import { eventually } from './eventually.ts';

export interface StreamEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export interface EventStream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Every event so far, in order. */
  readonly events: StreamEvent[];
  /** Comment lines (heartbeats) so far. */
  readonly comments: string[];
  /** `retry` values so far. */
  readonly retries: number[];
  /** The body when the status was not 200. */
  body(): string;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Waits until the events include one that `match` accepts; returns it. */
  until(what: string, match: (event: StreamEvent) => boolean): Promise<StreamEvent>;
  /** Cuts the connection from this side. */
  close(): void;
  /** Stops reading (the socket's buffers fill up) or starts again. */
  pause(): void;
  resume(): void;
}

export function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: StreamEvent[] = [];
      const comments: string[] = [];
      const retries: number[] = [];
      let raw = '';
      let pending = '';
      res.setEncoding('utf8');
      // A stream the server cuts (a slow reader) ends with a reset: that is its end, not a failure.
      res.on('error', () => {});
      const ended = new Promise<void>((done) => {
        res.once('close', done);
      });
      res.on('data', (chunk: string) => {
        raw += chunk;
        pending += chunk;
        let cut: number;
        while ((cut = pending.indexOf('\n\n')) !== -1) {
          const block = pending.slice(0, cut);
          pending = pending.slice(cut + 2);
          let id: string | undefined;
          let event = 'message';
          let data: string | undefined;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('retry: ')) retries.push(Number(line.slice(7)));
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (data !== undefined) {
            events.push({ id, event, data: JSON.parse(data) as Record<string, unknown> });
          }
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments,
        retries,
        body: () => raw,
        ended,
        until: (what, match) => eventually(what, () => events.find(match), { timeoutMs: 30_000 }),
        close: () => {
          req.destroy();
        },
        pause: () => {
          res.pause();
        },
        resume: () => {
          res.resume();
        },
      });
    });
    req.on('error', reject);
  });
}

export interface SocketMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface TestSocket {
  readonly ws: WebSocket;
  readonly messages: SocketMessage[];
  send(message: unknown): void;
  until(what: string, match: (message: SocketMessage) => boolean): Promise<SocketMessage>;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    const messages: SocketMessage[] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) => {
      ws.once('close', (code, reason) => {
        done({ code, reason: reason.toString('utf8') });
      });
    });
    ws.on('message', (data: Buffer) => {
      messages.push(JSON.parse(data.toString('utf8')) as SocketMessage);
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            body,
          }),
        );
      });
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {});
      resolve({
        ws,
        messages,
        closed,
        send: (message) => {
          ws.send(typeof message === 'string' ? message : JSON.stringify(message));
        },
        until: (what, match) => eventually(what, () => messages.find(match), { timeoutMs: 30_000 }),
      });
    });
  });
}
