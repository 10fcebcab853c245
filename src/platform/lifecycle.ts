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

import type { Logger } from 'pino';

export interface Resource {
  readonly name: string;
  close(): Promise<void> | void;
}

export class Lifecycle {
  readonly #logger: Logger;
  readonly #resources: Resource[] = [];
  #ready = false;
  #stopping: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
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

  /** Closes everything once, in reverse order of registration. Idempotent. */
  stop(reason: string): Promise<void> {
    this.#stopping ??= this.#closeAll(reason);
    return this.#stopping;
  }

  async #closeAll(reason: string): Promise<void> {
    this.#logger.info({ reason }, 'shutting down');
    for (const resource of [...this.#resources].reverse()) {
      const started = performance.now();
      try {
        await resource.close();
        this.#logger.info(
          { resource: resource.name, ms: Math.round(performance.now() - started) },
          'closed',
        );
      } catch (error) {
        this.#logger.error({ resource: resource.name, err: error }, 'close failed');
      }
    }
    this.#logger.info('shutdown complete');
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
      void this.stop(signal).then(() => {
        exit(0);
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
  /** Called with 0 once everything is closed; default `exitWhenIdle`. */
  readonly exit?: (code: number) => void;
  /** Called with 130 on a second signal; default `process.exit`. */
  readonly abort?: (code: number) => void;
}

/** How long a handle nobody closed may keep the process alive after shutdown. */
const FORCED_EXIT_MS = 2000;

/**
 * Ends the process with `code` once the event loop is empty rather than at
 * once: log lines still being written asynchronously (pino's default stdout
 * destination) would otherwise be cut or reach stdout out of order. A handle
 * left open cannot hold the process beyond `forceAfterMs`.
 */
export function exitWhenIdle(code: number, forceAfterMs = FORCED_EXIT_MS): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), forceAfterMs).unref();
}
