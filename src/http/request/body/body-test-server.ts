// Test harness for the body parsers: a real HTTP/1.1 server on an ephemeral
// port whose handler is swapped per test, plus a client that can send
// Content-Length, chunked, headers-only and aborted requests.

import {
  createServer,
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAppError } from '../../../errors/index.ts';

export type Outcome =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export interface WireResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON: the handler's value, or `{ code, status, detail }` for an AppError. */
  readonly body: unknown;
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  /** Sent as one piece; Content-Length is added unless `headers` has one or `chunked` is set. */
  readonly body?: string | Buffer;
  /** Sent as separate writes with Transfer-Encoding: chunked. */
  readonly chunks?: readonly (string | Buffer)[];
  /** Leave the request open after the body (the server must answer without its end). */
  readonly keepOpen?: boolean;
}

type Handler = (req: IncomingMessage) => Promise<unknown>;

/** A FIFO where consumers may ask before or after values arrive. */
class Queue<T> {
  #values: T[] = [];
  #waiters: ((value: T) => void)[] = [];
  push(value: T): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#values.push(value);
    else waiter(value);
  }
  next(): Promise<T> {
    if (this.#values.length > 0) return Promise.resolve(this.#values.shift()!);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

export class BodyTestServer {
  readonly #server: Server;
  #outcomes = new Queue<Outcome>();
  #started = new Queue<IncomingMessage>();
  #handler: Handler = () => Promise.resolve(null);

  private constructor(server: Server) {
    this.#server = server;
    server.on('request', (req: IncomingMessage, res) => {
      this.#started.push(req);
      const respond = (status: number, payload: unknown): void => {
        const text = JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      this.#handler(req).then(
        (value) => {
          this.#outcomes.push({ ok: true, value });
          respond(200, value ?? null);
        },
        (error: unknown) => {
          this.#outcomes.push({ ok: false, error });
          // Drain what the parser left unread so the connection closes cleanly
          // in tests; production answers these with `Connection: close`.
          req.resume();
          if (isAppError(error)) {
            for (const [name, value] of Object.entries(error.headers ?? {})) {
              res.setHeader(name, value);
            }
            respond(error.status, { code: error.code, status: error.status, detail: error.detail });
          } else {
            respond(500, { code: 'UNEXPECTED', message: String(error) });
          }
        },
      );
    });
  }

  static async start(): Promise<BodyTestServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new BodyTestServer(server);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Sets the handler for the next requests and forgets earlier requests and outcomes. */
  use(handler: Handler): void {
    this.#handler = handler;
    this.#outcomes = new Queue<Outcome>();
    this.#started = new Queue<IncomingMessage>();
  }

  /** Resolves with each request as its handler starts. */
  nextRequest(): Promise<IncomingMessage> {
    return this.#started.next();
  }

  /** Resolves with each handler's result or rejection, in completion order. */
  nextOutcome(): Promise<Outcome> {
    return this.#outcomes.next();
  }

  /** Starts a request; `response` settles with the server's answer. */
  open(options: SendOptions = {}): { request: ClientRequest; response: Promise<WireResponse> } {
    const headers: OutgoingHttpHeaders = { connection: 'keep-alive', ...options.headers };
    const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
    if (options.body !== undefined && options.chunks === undefined && !hasLength) {
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    const request = httpRequest({
      host: '127.0.0.1',
      port: this.port,
      method: options.method ?? 'POST',
      path: '/',
      headers,
      agent: false,
    });
    const response = new Promise<WireResponse>((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
          request.destroy();
        });
      });
    });
    if (options.body !== undefined) request.write(options.body);
    for (const chunk of options.chunks ?? []) request.write(chunk);
    if (options.keepOpen === true) request.flushHeaders();
    else request.end();
    return { request, response };
  }

  send(options: SendOptions = {}): Promise<WireResponse> {
    return this.open(options).response;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}
