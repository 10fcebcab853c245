// Start-up and graceful shutdown (seed module 18).
//
// Resources register as they are opened; shutdown closes them in reverse
// order, so nothing is closed while something opened after it still uses it
// (the HTTP server closes before the database pool it talks to).
//
// On SIGTERM/SIGINT: readiness turns 503 so the load balancer stops sending
// traffic → the listener stops accepting → in-flight requests finish and
// keep-alive connections are told to close → after the grace period whatever
// is left is cut → resources close in reverse order → exit 0.
//
// Shutdown is bounded: each close may take its own limit (or the default),
// and never more than what is left of the whole shutdown's budget. A close
// that runs out of time is left behind — logged, named in the closing line —
// and the next one starts: a database that stopped answering must not keep a
// process that was asked to stop alive. The process still exits 0: it was an
// orderly stop, and what did not close is listed.

import type { Logger } from 'pino';

export interface Resource {
  readonly name: string;
  close(): Promise<void> | void;
  /** The longest this close may take; default: the lifecycle's `closeTimeoutMs`. */
  readonly closeTimeoutMs?: number;
}

export interface LifecycleOptions {
  /** The whole shutdown, from the signal to the last close. Default: unbounded. */
  readonly shutdownTimeoutMs?: number;
  /** The limit of a resource that declares none. Default: unbounded. */
  readonly closeTimeoutMs?: number;
}

/** What a shutdown left open. */
export interface ShutdownReport {
  /** Resources whose close did not finish in time, in the order they were closed. */
  readonly unclosed: readonly string[];
}

export class Lifecycle {
  readonly #logger: Logger;
  readonly #options: LifecycleOptions;
  readonly #resources: Resource[] = [];
  #ready = false;
  #stopping: Promise<ShutdownReport> | undefined;

  constructor(logger: Logger, options: LifecycleOptions = {}) {
    this.#logger = logger;
    this.#options = options;
  }

  /** Registers something to close on shutdown; returns it for chaining. */
  add<R extends Resource>(resource: R): R {
    this.#resources.push(resource);
    return resource;
  }

  markReady(): void {
    this.#ready = true;
  }

  get ready(): boolean {
    return this.#ready && this.#stopping === undefined;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Closes everything once, in reverse order of registration, within the budget. Idempotent. */
  stop(reason: string): Promise<ShutdownReport> {
    this.#stopping ??= this.#closeAll(reason);
    return this.#stopping;
  }

  async #closeAll(reason: string): Promise<ShutdownReport> {
    this.#logger.info({ reason }, 'shutting down');
    const deadline = performance.now() + (this.#options.shutdownTimeoutMs ?? Infinity);
    const unclosed: string[] = [];
    for (const resource of [...this.#resources].reverse()) {
      const started = performance.now();
      const limitMs = Math.max(
        0,
        Math.min(
          resource.closeTimeoutMs ?? this.#options.closeTimeoutMs ?? Infinity,
          deadline - started,
        ),
      );
      try {
        const outcome = await withinLimit(resource, limitMs);
        const ms = Math.round(performance.now() - started);
        if (outcome === 'closed') {
          this.#logger.info({ resource: resource.name, ms }, 'closed');
        } else {
          unclosed.push(resource.name);
          this.#logger.warn(
            { resource: resource.name, ms, limitMs: Math.round(limitMs) },
            'close timed out: left open',
          );
        }
      } catch (error) {
        this.#logger.error({ resource: resource.name, err: error }, 'close failed');
      }
    }
    if (unclosed.length === 0) this.#logger.info('shutdown complete');
    else this.#logger.warn({ unclosed }, 'shutdown complete');
    return { unclosed };
  }

  /**
   * Wires SIGTERM/SIGINT to `stop`, then `exit(0)`. A second signal while
   * stopping calls `abort(130)` at once (the operator insists). Returns a
   * function that removes the handlers again.
   */
  handleSignals(options: SignalHandling = {}): () => void {
    const exit = options.exit ?? exitWhenIdle;
    const abort = options.abort ?? ((code: number) => process.exit(code));
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.#stopping !== undefined) {
        this.#logger.warn({ signal }, 'second signal during shutdown: exiting now');
        abort(130);
        return;
      }
      void this.stop(signal).then((report) => {
        // Whatever was left open may hold the event loop: do not wait long for it.
        exit(0, report.unclosed.length > 0 ? LEFT_OPEN_EXIT_MS : undefined);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
}

export interface SignalHandling {
  /**
   * Called with 0 once everything is closed (or left open past its limit),
   * and a shorter force-exit delay when something was left open; default
   * `exitWhenIdle`.
   */
  readonly exit?: (code: number, forceAfterMs?: number) => void;
  /** Called with 130 on a second signal; default `process.exit`. */
  readonly abort?: (code: number) => void;
}

/**
 * The budget of a process's shutdown from its settings: the drain delay, the
 * grace for in-flight requests, then the close timeout for everything else.
 */
export function shutdownBudget(settings: {
  readonly drainDelayMs: number;
  readonly graceMs: number;
  readonly closeTimeoutMs: number;
}): LifecycleOptions {
  return {
    shutdownTimeoutMs: settings.drainDelayMs + settings.graceMs + settings.closeTimeoutMs,
    closeTimeoutMs: settings.closeTimeoutMs,
  };
}

/** How long a handle nobody closed may keep the process alive after shutdown. */
const FORCED_EXIT_MS = 2000;
/** The same once shutdown knows something was left open: only the log needs flushing. */
const LEFT_OPEN_EXIT_MS = 500;

/** Runs the resource's close, settling with 'timed out' once `limitMs` has passed. */
async function withinLimit(resource: Resource, limitMs: number): Promise<'closed' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'timed out'>((resolve) => {
    if (limitMs !== Infinity)
      timer = setTimeout(() => {
        resolve('timed out');
      }, limitMs);
  });
  try {
    // A close that throws synchronously is reported like one that rejects.
    const closing = Promise.resolve()
      .then(() => resource.close())
      .then(() => 'closed' as const);
    // One that fails after its limit was already reported as left open.
    closing.catch(() => undefined);
    return await Promise.race([closing, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends the process with `code` once the event loop is empty rather than at
 * once: log lines still being written asynchronously (the logger's stdout
 * destination) would otherwise be cut or reach stdout out of order. A handle
 * left open cannot hold the process beyond `forceAfterMs`.
 */
export function exitWhenIdle(code: number, forceAfterMs: number = FORCED_EXIT_MS): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), forceAfterMs).unref();
}
