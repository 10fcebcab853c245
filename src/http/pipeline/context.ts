// The per-request context: everything a middleware or handler needs about one
// request, and the response being built for it. The response is buffered in
// fields (status, headers, body) and written once by `respond.ts` after the
// whole onion has unwound, so outer layers (compression, ETag, CORS) can still
// see and change it.
//
// Hot-path rule: nothing is computed until it is asked for. The query string,
// the logger child, the AbortSignal and the cookie map are lazy getters.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { httpError } from '../errors.ts';
import { isAppError, type AppError, type ErrorMapper } from '../../errors/index.ts';
import type { Params } from '../routing/router/radix-router.ts';

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

export type ResponseBody = string | Buffer | Readable | null;

/** Who is calling, filled in by the authentication phase. */
export interface Identity {
  /** Stable subject id (user id, API key id…). */
  readonly subject: string;
  /** How the caller proved who they are. */
  readonly method: string;
  /** Permissions the authorization phase checks routes against. */
  readonly permissions: ReadonlySet<string>;
  /** Free-form attributes for ownership checks in services. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** Validated request parts, typed per route from its schemas. */
export interface Input {
  params: unknown;
  query: unknown;
  headers: unknown;
  body: unknown;
}

/** What the core knows about the matched route; set before the chain runs. */
export interface RouteInfo {
  readonly method: string;
  /** The registered pattern, e.g. `/users/:id` (for logs and metrics labels). */
  readonly pattern: string;
  readonly auth: 'public' | 'required';
  readonly permissions: readonly string[];
  /** False for routes that rate-limit policies leave alone (`RouteOptions.rateLimit`). */
  readonly rateLimit: boolean;
}

/** Shared, per-application services the context reaches into lazily. */
export interface ContextHost {
  readonly logger: Logger;
  /** How many reverse proxies in front of us append to X-Forwarded-For (0: trust none). */
  readonly trustedHops: number;
  readonly errorMappers: readonly ErrorMapper[];
}

const NOT_FOUND_ROUTE: RouteInfo = Object.freeze({
  method: '*',
  pattern: '*',
  auth: 'public',
  permissions: [],
  rateLimit: true,
});

export class Context<I extends Input = Input> {
  readonly req: NodeRequest;
  readonly res: NodeResponse;
  readonly method: string;
  /** Raw path without the query string, exactly as received. */
  readonly path: string;
  readonly requestId: string;
  /** `performance.now()` at arrival; durations are measured from it. */
  readonly startTime: number;
  params: Params;
  route: RouteInfo = NOT_FOUND_ROUTE;
  identity: Identity | undefined = undefined;

  /** The parsed request body before validation (set by the body-parsing phase). */
  parsedBody: unknown = undefined;

  status = 200;
  body: ResponseBody = null;
  /** Flat [name, value, name, value…] list; names lower-case. */
  readonly responseHeaders: string[] = [];
  /** Set when the response must not be transformed (already encoded, streamed by hand). */
  noTransform = false;
  /** Set once the response has been written to the socket. */
  committed = false;

  // In-flight list links, owned by DeadlineSweeper (see deadline.ts).
  inflightPrev: Context | undefined = undefined;
  inflightNext: Context | undefined = undefined;
  inflightTracked = false;

  #input: I | undefined;
  readonly #host: ContextHost;
  readonly #queryStart: number;
  #query: URLSearchParams | undefined;
  #log: Logger | undefined;
  #abort: AbortController | undefined;
  #cleanups: (() => void | Promise<void>)[] | undefined;

  constructor(
    host: ContextHost,
    req: NodeRequest,
    res: NodeResponse,
    requestId: string,
    startTime: number,
  ) {
    this.#host = host;
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.#queryStart = q;
    this.path = q === -1 ? url : url.slice(0, q);
    this.requestId = requestId;
    this.startTime = startTime;
    this.params = EMPTY_PARAMS;
  }

  /**
   * Validated input, typed by the route's schemas. Routes without schemas see
   * the raw path params and headers here.
   */
  get input(): I {
    return (this.#input ??= {
      params: this.params,
      query: undefined,
      headers: this.req.headers,
      body: this.parsedBody,
    } as I);
  }

  set input(value: I) {
    this.#input = value;
  }

  /** Wall-clock arrival time in ms since the epoch. */
  get startedAt(): number {
    return performance.timeOrigin + this.startTime;
  }

  /** Raw query string without the `?` (empty when absent). */
  get rawQuery(): string {
    return this.#queryStart === -1 ? '' : (this.req.url ?? '').slice(this.#queryStart + 1);
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.rawQuery));
  }

  get headers(): IncomingHttpHeaders {
    return this.req.headers;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** True when this hop arrived over TLS (or, behind a trusted proxy, said so). */
  get secure(): boolean {
    if ((this.req.socket as { encrypted?: boolean } | null)?.encrypted === true) return true;
    return this.#host.trustedHops > 0 && this.header('x-forwarded-proto') === 'https';
  }

  /**
   * The client's address. Behind N trusted proxies it is the N-th
   * X-Forwarded-For entry from the right — the one our outermost proxy
   * appended. Entries further left were written by the client and prove
   * nothing (taking the first one would let anyone pick their own address,
   * and with it a fresh rate-limit budget per request).
   */
  get remoteAddress(): string {
    const hops = this.#host.trustedHops;
    if (hops > 0) {
      const forwarded = this.header('x-forwarded-for');
      if (forwarded !== undefined) {
        const entries = forwarded.split(',');
        const entry = entries[Math.max(0, entries.length - hops)]!.trim();
        if (entry !== '') return entry;
      }
    }
    return this.req.socket?.remoteAddress ?? '';
  }

  /** Whether the service logs at `level`, asked without creating the request's child logger. */
  logs(level: 'trace' | 'debug' | 'info' | 'warn' | 'error'): boolean {
    return this.#host.logger.isLevelEnabled(level);
  }

  /**
   * Writes one line carrying the request id (`reqId`, as `c.log` does)
   * without making a child logger: the access log's line costs less this way
   * on the many requests that log nothing else.
   */
  logLine(
    level: 'info' | 'warn' | 'error',
    fields: { reqId?: string; [name: string]: unknown },
    message: string,
  ): void {
    fields.reqId = this.requestId;
    this.#host.logger[level](fields, message);
  }

  /** A logger child bound to this request's id (created on first use). */
  get log(): Logger {
    return (this.#log ??= this.#host.logger.child({ reqId: this.requestId }));
  }

  /**
   * Fires when the client goes away before the response is finished, or when
   * the request deadline passes (see deadline.ts). Pass it to every downstream
   * call so abandoned work stops.
   */
  get signal(): AbortSignal {
    if (this.#abort !== undefined) return this.#abort.signal;
    const controller = new AbortController();
    this.#abort = controller;
    this.res.once('close', () => {
      if (!this.res.writableFinished) {
        controller.abort(new DOMException('client disconnected', 'AbortError'));
      }
    });
    return controller.signal;
  }

  /** True once the client has closed the connection (or HTTP/2 stream) before the response was written. */
  get clientGone(): boolean {
    const res = this.res;
    const closed = 'stream' in res ? res.stream.destroyed : res.destroyed;
    return closed && !res.writableFinished;
  }

  /** Aborts the signal; the deadline sweeper calls it when time is up. */
  abort(reason: unknown): void {
    (this.#abort ??= new AbortController()).abort(reason);
  }

  /**
   * The AppError an error stands for: itself, what an installed mapper makes
   * of it (say, a lost database connection → 503), or a generic 500.
   */
  appErrorFrom(error: unknown): AppError {
    if (isAppError(error)) return error;
    const abort = this.#abort;
    if (abort !== undefined && abort.signal.aborted && isAbortError(error)) {
      return abandonedRequestError(abort.signal.reason);
    }
    for (const mapper of this.#host.errorMappers) {
      const mapped = mapper(error);
      if (mapped !== undefined) return mapped;
    }
    return httpError('HTTP_INTERNAL', { cause: error });
  }

  /** Runs `fn` when the response is done (success or failure): temp files, handles. */
  onDone(fn: () => void | Promise<void>): void {
    (this.#cleanups ??= []).push(fn);
  }

  /** Called once by the core after the response is written. */
  finish(): Promise<void> | undefined {
    const cleanups = this.#cleanups;
    if (cleanups === undefined) return undefined; // the common case: no promise allocated
    this.#cleanups = undefined;
    return this.#runCleanups(cleanups);
  }

  async #runCleanups(cleanups: (() => void | Promise<void>)[]): Promise<void> {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        this.log.warn({ err: error }, 'request cleanup failed');
      }
    }
  }

  // ---- response building -------------------------------------------------

  /** Sets a response header, replacing any earlier value. */
  set(name: string, value: string): this {
    const lower = name.toLowerCase();
    const headers = this.responseHeaders;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === lower) {
        headers[i + 1] = value;
        return this;
      }
    }
    headers.push(lower, value);
    return this;
  }

  /** Adds a response header value without replacing (e.g. `set-cookie`, `vary`). */
  append(name: string, value: string): this {
    this.responseHeaders.push(name.toLowerCase(), value);
    return this;
  }

  getResponseHeader(name: string): string | undefined {
    const headers = this.responseHeaders;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i] === name) return headers[i + 1];
    }
    return undefined;
  }

  removeResponseHeader(name: string): void {
    const headers = this.responseHeaders;
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (headers[i] === name) headers.splice(i, 2);
    }
  }

  /** Adds a token to `Vary` once. */
  vary(token: string): this {
    const current = this.getResponseHeader('vary');
    if (current === undefined) return this.set('vary', token);
    if (current === token || hasToken(current, token)) return this;
    return this.set('vary', `${current}, ${token}`);
  }

  json(data: unknown, status = 200): this {
    this.status = status;
    this.body = JSON.stringify(data);
    return this.set('content-type', 'application/json; charset=utf-8');
  }

  text(text: string, status = 200): this {
    this.status = status;
    this.body = text;
    return this.set('content-type', 'text/plain; charset=utf-8');
  }

  html(html: string, status = 200): this {
    this.status = status;
    this.body = html;
    return this.set('content-type', 'text/html; charset=utf-8');
  }

  /** Streams a body; compression applies unless `noTransform` is set. */
  stream(body: Readable, contentType: string, status = 200): this {
    this.status = status;
    this.body = body;
    return this.set('content-type', contentType);
  }

  /** 201 with a `Location` header pointing at the new resource. */
  created(location: string, data: unknown): this {
    this.set('location', location);
    return this.json(data, 201);
  }

  noContent(): this {
    this.status = 204;
    this.body = null;
    return this;
  }

  redirect(location: string, status: 301 | 302 | 303 | 307 | 308 = 302): this {
    this.status = status;
    this.body = null;
    return this.set('location', location);
  }
}

const EMPTY_PARAMS: Params = Object.freeze({});

/**
 * Errors that say "stopped because the signal fired": the DOM's names, which
 * `AbortSignal` reasons, Kysely and the SQL layer's cancellations all carry.
 */
function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * What a request whose signal fired answers, by why it fired: its deadline
 * (the sweeper has usually answered 503 already) or its client leaving —
 * no one reads that answer, and it is no server fault, so no 500 and no stack.
 */
function abandonedRequestError(reason: unknown): AppError {
  if ((reason as { name?: unknown } | null)?.name === 'TimeoutError') {
    return httpError('HTTP_DEADLINE_EXCEEDED', { cause: reason });
  }
  return httpError('HTTP_CLIENT_CLOSED_REQUEST', {
    detail: 'the client closed the connection before the response',
    cause: reason,
  });
}

/** Whether the comma-separated list `list` holds `token`, case-insensitively (no allocation on a miss by length). */
function hasToken(list: string, token: string): boolean {
  const wanted = token.toLowerCase();
  let start = 0;
  while (start <= list.length) {
    let end = list.indexOf(',', start);
    if (end === -1) end = list.length;
    let a = start;
    let b = end;
    while (a < b && (list.charCodeAt(a) === 32 || list.charCodeAt(a) === 9)) a++;
    while (b > a && (list.charCodeAt(b - 1) === 32 || list.charCodeAt(b - 1) === 9)) b--;
    if (b - a === wanted.length && list.slice(a, b).toLowerCase() === wanted) return true;
    start = end + 1;
  }
  return false;
}
