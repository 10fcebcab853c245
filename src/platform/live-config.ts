// The configuration as a reload (SIGHUP) leaves it. Most code reads its
// settings once, at start-up, from the frozen Config; the few settings that
// may change while running are read through this at the moment they are
// used (a webhook secret per request), so the reload has nothing to push.

import type { Config } from './config.ts';

export interface LiveConfig {
  /** The configuration in force now: the start-up one, with every reloaded setting applied. */
  current(): Config;
}

export interface ReplaceableConfig extends LiveConfig {
  replace(next: Config): void;
}

export function createLiveConfig(initial: Config): ReplaceableConfig {
  let config = initial;
  return {
    current: () => config,
    replace(next) {
      config = next;
    },
  };
}
