// The application: route registration (via RouteBuilder), global middleware,
// and the request handler that node:http / node:http2 call.
//
// Per request the hot path is: mint/accept the request id → build a Context →
// one radix-tree lookup → (enter AsyncLocalStorage, when asked) → run the route's chain,
// composed once at start-up → write the response once. Everything else
// (query parsing, logger child, AbortSignal, body) is lazy.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { defaultBodyLimits, type BodyLimits } from './request/body/index.ts';
import {
  Context,
  type ContextHost,
  type NodeRequest,
  type NodeResponse,
} from './pipeline/context.ts';
import { DeadlineSweeper } from './pipeline/deadline.ts';
import { httpError } from './errors.ts';
import type { ErrorMapper } from '../errors/index.ts';
import {
  compose,
  isPromise,
  sortByPhase,
  type Handler,
  type Middleware,
} from './pipeline/pipeline.ts';
import { recover } from './response/problem.ts';
import { requestStorage } from './pipeline/request-storage.ts';
import { respond } from './response/respond.ts';
import { finishHandler } from './routing/route-finish.ts';
import {
  authGateMiddleware,
  bodyParsingMiddleware,
  deprecationMiddleware,
  validationMiddleware,
} from './routing/route-middleware.ts';
import { RouteBuilder, type RouteEntry, type RouteRegistry } from './routing/routes-builder.ts';
import type { RouteRecord } from './routing/route.ts';
import { RadixRouter, type MatchResult } from './routing/router/radix-router.ts';
import { requestIdFrom } from './pipeline/request-id.ts';
import { acceptCheckMiddleware, declaredMediaTypes } from './response/produces.ts';
import { msgpackResponseMiddleware } from './response/msgpack.ts';

export interface AppOptions {
  readonly logger: Logger;
  /**
   * Trust `X-Forwarded-*` from proxies in front of us: how many of them
   * (`true` = one, the usual load balancer; `false`/0 = none).
   */
  readonly trustProxy?: boolean | number;
  /** Per-request deadline for handlers (ms); the signal aborts and 503 goes out. */
  readonly deadlineMs?: number;
  readonly bodyLimits?: BodyLimits;
  /** Where multipart uploads are spooled. */
  readonly uploadDir?: string;
  /** Turn lower-layer errors (database, cache) into AppErrors; tried in order. */
  readonly errorMappers?: readonly ErrorMapper[];
  /**
   * Run each request inside AsyncLocalStorage, so `currentContext()` finds it
   * from any depth. Off by default: entering the store costs about as much as
   * a middleware, and code that has the context at hand does not need it.
   */
  readonly requestContext?: boolean;
}

export class App extends RouteBuilder {
  readonly #registry: RouteRegistry;
  readonly #globals: Middleware[] = [];
  readonly #bodyLimits: BodyLimits;
  readonly #uploadDir: string;
  readonly #host: ContextHost;
  readonly #deadlines: DeadlineSweeper;
  readonly #respondOptions = { closing: false };
  readonly #requestContext: boolean;
  readonly #drainListeners: (() => void)[] = [];
  #globalChain: ((terminal: Handler) => (c: Context) => unknown) | undefined;
  #notFoundChain: ((c: Context) => unknown) | undefined;

  constructor(options: AppOptions) {
    const registry: RouteRegistry = {
      router: new RadixRouter<RouteEntry>(),
      records: [],
      sealed: false,
    };
    super(registry, '', {});
    this.#registry = registry;
    this.#bodyLimits = options.bodyLimits ?? defaultBodyLimits;
    this.#requestContext = options.requestContext ?? false;
    this.#uploadDir = options.uploadDir ?? join(tmpdir(), 'throughline-uploads');
    this.#host = {
      logger: options.logger,
      trustedHops:
        options.trustProxy === true
          ? 1
          : options.trustProxy === false
            ? 0
            : (options.trustProxy ?? 0),
      errorMappers: options.errorMappers ?? [],
    };
    this.#deadlines = new DeadlineSweeper(options.deadlineMs ?? 15_000, (c) => {
      this.#finish(c);
    });
  }

  /** Adds global middleware; each runs in its declared phase whatever the order of calls. */
  use(...list: Middleware[]): this {
    if (this.#registry.sealed) throw new Error('cannot add middleware once the app serves');
    this.#globals.push(...list);
    return this;
  }

  routes(): readonly RouteRecord[] {
    return this.#registry.records;
  }

  /** Requests currently being handled. */
  get inflight(): number {
    return this.#deadlines.size;
  }

  get draining(): boolean {
    return this.#respondOptions.closing;
  }

  /**
   * Called once when draining starts: long-lived responses (event streams,
   * upgraded sockets) end themselves, which the server's close waits for.
   */
  onDraining(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  /** From now on HTTP/1.1 responses carry `Connection: close` (shutdown drain). */
  startDraining(): void {
    if (this.#respondOptions.closing) return;
    this.#respondOptions.closing = true;
    for (const listener of this.#drainListeners) listener();
  }

  /** Stops background timers. */
  close(): void {
    this.#deadlines.stop();
  }

  /** Composes every chain once and seals the route table; runs on first request if not before. */
  build(): void {
    const registry = this.#registry;
    if (registry.sealed) return;
    registry.sealed = true;
    const sortedGlobals = sortByPhase(this.#globals);
    this.#globalChain = (terminal) => compose(sortedGlobals, terminal);
    for (const { value } of registry.router.routes()) value.chain = this.#routeChain(value.record);
    this.#notFoundChain = this.#globalChain(() => {
      throw httpError('HTTP_NOT_FOUND');
    });
    this.#deadlines.start();
  }

  /** The `(req, res)` listener for node:http and node:http2 servers. */
  readonly handler = (req: NodeRequest, res: NodeResponse): void => {
    if (!this.#registry.sealed) this.build();
    const c = new Context(this.#host, req, res, requestIdFrom(req.rawHeaders), performance.now());
    this.#deadlines.track(c);
    const match = this.#registry.router.find(c.method, c.path);
    let chain: (c: Context) => unknown;
    if (match.type === 'found') {
      c.params = match.params;
      const entry = match.value;
      c.route = entry.record;
      chain = entry.chain!;
    } else {
      chain = this.#fallbackChain(match, c.method, c.path);
    }
    if (this.#requestContext) requestStorage.run(c, this.#execute, c, chain);
    else this.#execute(c, chain);
  };

  readonly #execute = (c: Context, chain: (c: Context) => unknown): void => {
    let result: unknown;
    try {
      result = chain(c);
    } catch (error) {
      recover(c, error);
      this.#finish(c);
      return;
    }
    if (isPromise(result)) {
      result.then(
        () => {
          this.#finish(c);
        },
        (error: unknown) => {
          recover(c, error);
          this.#finish(c);
        },
      );
    } else {
      this.#finish(c);
    }
  };

  #finish(c: Context): void {
    this.#deadlines.untrack(c);
    respond(c, this.#respondOptions);
    // A streamed body may still be reading a file the cleanups would delete.
    const body = c.body;
    if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
      c.res.once('close', () => void c.finish());
    } else {
      void c.finish();
    }
  }

  #routeChain(record: RouteRecord): (c: Context) => unknown {
    const route = record.options;
    const gate = authGateMiddleware(record.auth, record.permissions);
    const derived = [
      deprecationMiddleware(route.deprecated),
      acceptCheckMiddleware(route.produces ?? declaredMediaTypes(route)),
      // Only routes without their own `produces`: those negotiate for themselves.
      route.produces === undefined
        ? msgpackResponseMiddleware(declaredMediaTypes(route))
        : undefined,
      bodyParsingMiddleware(route, this.#bodyLimits, this.#uploadDir),
      validationMiddleware(route),
    ];
    // The gate is listed first so that it runs first within the `authz` phase.
    const list = [gate, ...this.#globals, ...record.middleware, ...derived].filter(
      (m): m is Middleware => m !== undefined,
    );
    return compose(sortByPhase(list), finishHandler(record));
  }

  #allMethods(): string {
    const methods = new Set(this.#registry.records.map((record) => record.method));
    if (methods.has('GET')) methods.add('HEAD');
    methods.add('OPTIONS');
    return [...methods].sort().join(', ');
  }

  #fallbackChain(
    match: Exclude<MatchResult<RouteEntry>, { type: 'found' }>,
    method: string,
    path: string,
  ): (c: Context) => unknown {
    const wrap = this.#globalChain!;
    switch (match.type) {
      case 'not-found':
        return this.#notFoundChain!;
      case 'method-not-allowed':
        return wrap(() => {
          throw httpError('HTTP_METHOD_NOT_ALLOWED', {
            headers: { allow: match.allow.join(', ') },
          });
        });
      case 'options':
        return wrap((c) => {
          c.set('allow', match.allow.join(', '));
          c.noContent();
        });
      case 'redirect':
        return wrap((c) => {
          const query = c.rawQuery;
          c.redirect(query === '' ? match.location : `${match.location}?${query}`, 308);
        });
      case 'bad-path':
        if (path === '*' && method === 'OPTIONS') {
          // `OPTIONS *` asks about the server as a whole (RFC 9110 §9.3.7).
          return wrap((c) => {
            c.set('allow', this.#allMethods());
            c.noContent();
          });
        }
        return wrap(() => {
          throw httpError('HTTP_MALFORMED_PATH', { detail: match.reason });
        });
    }
  }
}

export function createApp(options: AppOptions): App {
  return new App(options);
}
