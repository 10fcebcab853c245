// Every flag definition, held in memory by each instance and evaluated there.
// A write through any instance announces itself on the pub/sub port and every
// instance reloads the table (a few rows) at once; since pub/sub may drop a
// message (a Redis reconnect), a periodic reload bounds how long an instance
// can miss a change. Reloads never overlap: one asked for while another runs
// starts after it, so it sees every write committed before it was asked for.

import type { Logger } from '../../platform/logger.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { FlagDefinition } from './evaluate.ts';
import { listFlags } from './repo.ts';
import type { FlagsTables } from './tables.ts';

export const FLAGS_CHANGED_CHANNEL = 'flags:changed';

export interface FlagStore {
  get(key: string): FlagDefinition | undefined;
  /** Reloads every definition; resolves once a reload that started after this call ended. */
  refresh(): Promise<void>;
  /** After a write: reload here, and tell the other instances to. */
  announce(key: string): Promise<void>;
  /** The safety-net reload's period (reloadable: SIGHUP). */
  setRefreshInterval(ms: number): void;
  /** Loads the flags and subscribes; flags evaluate to their code defaults until then. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createFlagStore(deps: {
  readonly sql: SqlDatabase<FlagsTables>;
  readonly pubsub: PubSub;
  readonly logger: Logger;
  readonly refreshMs: number;
}): FlagStore {
  const { sql, pubsub, logger } = deps;
  let flags = new Map<string, FlagDefinition>();
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let refreshMs = deps.refreshMs;
  let unsubscribe: (() => Promise<void>) | undefined;
  let stopped = false;

  async function load(): Promise<void> {
    const rows = await listFlags(sql.db);
    flags = new Map(rows.map((flag) => [flag.key, flag]));
  }

  function refresh(): Promise<void> {
    if (inFlight === undefined) {
      inFlight = load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    }
    queued ??= inFlight
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return refresh();
      });
    return queued;
  }

  const refreshQuietly = (why: string) => {
    refresh().catch((error: unknown) => {
      // The definitions held stay in force; the next announcement or tick retries.
      logger.warn({ err: error, why }, 'feature flags not reloaded');
    });
  };

  function arm(): void {
    if (timer !== undefined) clearInterval(timer);
    if (stopped) return;
    timer = setInterval(() => {
      refreshQuietly('periodic');
    }, refreshMs);
    timer.unref();
  }

  return {
    get: (key) => flags.get(key),
    refresh,
    async announce(key) {
      await refresh();
      try {
        await pubsub.publish(FLAGS_CHANGED_CHANNEL, key);
      } catch (error) {
        // The change is committed; the others pick it up on their next periodic reload.
        logger.warn({ err: error, flag: key }, 'feature flag change not announced');
      }
    },
    setRefreshInterval(ms) {
      refreshMs = ms;
      arm();
    },
    async start() {
      unsubscribe = await pubsub.subscribe(FLAGS_CHANGED_CHANNEL, () => {
        refreshQuietly('announced');
      });
      await refresh();
      arm();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      await unsubscribe?.().catch(() => undefined);
      await Promise.allSettled([inFlight, queued]);
    },
  };
}
