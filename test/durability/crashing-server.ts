// The service as a real process that the test SIGKILLs and starts again on
// the same data, behind a TCP proxy of the test's own: each start listens on
// a new ephemeral port, the clients keep one address. While no process
// serves, the proxy refuses connections, and `up()` is how a client waits
// for the next one to be ready (GET /readyz answered 200).

import { setTimeout as delay } from 'node:timers/promises';
import type { Exit, MainProcess } from '../support/process.ts';
import { listeningUrl, spawnMain } from '../support/process.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

/** How far a process killed during its start-up had got. */
export type BootPhase = 'starting' | 'database open' | 'listening';

export interface CrashingServer {
  /** The proxy's address; it stays the same across restarts. */
  readonly url: string;
  /** Processes started so far. */
  readonly starts: number;
  /** How long each completed start took, from spawn to ready (ms). */
  readonly startMs: readonly number[];
  /** Whether a process is serving now. */
  readonly serving: boolean;
  /**
   * Processes that ended without the test ending them: `exit code …` is the
   * service failing by itself; a signal is someone else's (they are started
   * again, like after any other kill).
   */
  readonly unexpectedExits: readonly string[];
  /** Resolves once a process serves (at once if one does); rejects if none can start again. */
  up(): Promise<void>;
  /** Starts a process and waits until it is ready. */
  start(): Promise<void>;
  /** SIGKILLs the serving process (if any) and waits until it has exited. */
  kill(): Promise<void>;
  /**
   * Starts a process and SIGKILLs it once `fraction` of the last full start's
   * time has passed, wherever its start-up got to by then.
   */
  killDuringStart(fraction: number): Promise<BootPhase>;
  /** SIGTERM: the graceful stop; resolves with how the process exited. */
  stop(): Promise<Exit>;
  /** Kills whatever still runs and closes the proxy (test teardown). */
  close(): Promise<void>;
}

export interface CrashingServerOptions {
  readonly env: Readonly<Record<string, string>>;
  /** How long one start may take before the test gives up on it. */
  readonly startDeadlineMs: number;
}

/** Starts cut short by someone else's signal are tried again, this many times in a row. */
const FOREIGN_SIGNAL_RETRIES = 5;

export async function crashingServer(options: CrashingServerOptions): Promise<CrashingServer> {
  const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: 1 });
  proxy.cut();
  let current: MainProcess | undefined;
  let starts = 0;
  let ready = deferred();
  let broken: Error | undefined;
  let closed = false;
  /** The processes the test itself signalled. */
  const ended = new WeakSet<MainProcess>();
  const unexpectedExits: string[] = [];
  const startMs: number[] = [];

  function spawn(): MainProcess {
    // A run that outlived its deadline goes on in the background after the
    // teardown closed this: a process started now would be nobody's to kill,
    // and would keep the test file from ever ending.
    if (closed) throw new Error('the server was closed');
    starts += 1;
    const number = starts;
    const main = spawnMain({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...options.env });
    current = main;
    void main.exited.then((exit) => {
      if (ended.has(main)) return;
      unexpectedExits.push(
        `start #${number}: ${exit.signal ?? `exit code ${exit.code}`}; stderr: ${main.stderr()}`,
      );
      if (current === main) {
        markDown();
        current = undefined;
      }
    });
    return main;
  }

  /** Refuses connections; clients that ask wait for the next ready process. */
  function markDown(): void {
    proxy.cut();
    if (ready.settled) ready = deferred();
  }

  async function end(signal: 'SIGKILL' | 'SIGTERM'): Promise<Exit | undefined> {
    const main = current;
    if (main === undefined) return undefined;
    markDown();
    ended.add(main);
    if (main.child.exitCode === null && main.child.signalCode === null) main.child.kill(signal);
    const exit = await main.exited;
    current = undefined;
    return exit;
  }

  async function waitUntilReady(main: MainProcess): Promise<string> {
    const url = await listeningUrl(main);
    for (;;) {
      const status = await fetch(`${url}/readyz`).then(
        (res) => res.status,
        () => 0,
      );
      if (status === 200) return url;
      if (main.child.exitCode !== null || main.child.signalCode !== null) {
        throw new Error('the process exited before it was ready');
      }
      await delay(20);
    }
  }

  /** One start; undefined when someone else's signal cut it short. */
  async function startOnce(): Promise<string | undefined> {
    const began = performance.now();
    const main = spawn();
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = await Promise.race([
        waitUntilReady(main),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`not ready within ${options.startDeadlineMs} ms`));
          }, options.startDeadlineMs);
        }),
      ]);
      startMs.push(Math.round(performance.now() - began));
      return url;
    } catch (error) {
      const exit = await Promise.race([main.exited, delay(0)]);
      if (exit !== undefined && exit.signal !== null && !ended.has(main)) return undefined;
      const reason = error instanceof Error ? error.message : String(error);
      const logs = main.logs
        .slice(-5)
        .map((record) => JSON.stringify(record))
        .join('\n');
      broken = new Error(
        `start #${starts} failed: ${reason}\nlast log lines:\n${logs}\nstderr:\n${main.stderr()}`,
      );
      ready.reject(broken);
      await end('SIGKILL');
      throw broken;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    url: `http://127.0.0.1:${proxy.port}`,
    get starts() {
      return starts;
    },
    get serving() {
      return current !== undefined && ready.settled && broken === undefined;
    },
    unexpectedExits,
    startMs,

    up: () => (broken === undefined ? ready.promise : Promise.reject(broken)),

    async start() {
      for (let attempt = 0; ; attempt++) {
        const url = await startOnce();
        if (url !== undefined) {
          proxy.retarget({ host: '127.0.0.1', port: Number(new URL(url).port) });
          proxy.restore();
          ready.resolve();
          return;
        }
        if (attempt === FOREIGN_SIGNAL_RETRIES) {
          broken = new Error(
            `every start was killed by someone else: ${unexpectedExits.join('\n')}`,
          );
          ready.reject(broken);
          throw broken;
        }
      }
    },

    async kill() {
      await end('SIGKILL');
    },

    async killDuringStart(fraction) {
      const afterMs = fraction * (startMs.at(-1) ?? 2_000);
      const main = spawn();
      await Promise.race([delay(afterMs), main.exited]);
      const seen = (msg: RegExp) => main.logs.some((record) => msg.test(record.msg));
      const phase: BootPhase = seen(/listening/)
        ? 'listening'
        : seen(/^database open$/)
          ? 'database open'
          : 'starting';
      await end('SIGKILL');
      return phase;
    },

    async stop() {
      const exit = await end('SIGTERM');
      if (exit === undefined) throw new Error('no process to stop');
      return exit;
    },

    async close() {
      closed = true;
      broken ??= new Error('the server was closed');
      ready.reject(broken);
      await end('SIGKILL');
      await proxy.close();
    },
  };
}

interface Deferred {
  readonly promise: Promise<void>;
  readonly settled: boolean;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let settled = false;
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = () => {
      settled = true;
      res();
    };
    reject = (error) => {
      settled = true;
      rej(error);
    };
  });
  // Nobody may be waiting when it is rejected at teardown.
  promise.catch(() => undefined);
  return {
    promise,
    get settled() {
      return settled;
    },
    resolve,
    reject,
  };
}
