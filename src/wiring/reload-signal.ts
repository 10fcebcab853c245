// SIGHUP in either process (web-process.ts, worker-process.ts): the
// configuration is read again from the sources start-up read — the same
// arguments, the environment, the config file, `*_FILE` secrets — and handed
// to the process's reloader (reload.ts), which decides what applies.

import type { Logger } from 'pino';
import { loadConfig } from '../platform/config.ts';
import type { ConfigReloader } from './reload.ts';

export interface ReloadSignal {
  /** From now on, SIGHUP reloads through `reloader`; until then it is ignored. */
  arm(reloader: ConfigReloader, argv: readonly string[]): void;
}

/**
 * Listens for SIGHUP at once, so that a signal during start-up is logged and
 * ignored rather than ending the process (Node's default for SIGHUP); it
 * reloads once the process has armed it, when it is up.
 */
export function handleReloadSignal(logger: Logger): ReloadSignal {
  let reload: (() => Promise<unknown>) | undefined;
  process.on('SIGHUP', () => {
    if (reload === undefined) {
      logger.warn('SIGHUP ignored: still starting');
      return;
    }
    logger.info('SIGHUP: reloading the configuration');
    reload().catch((error: unknown) => {
      logger.error({ err: error }, 'configuration reload failed; the running configuration stays');
    });
  });
  return {
    arm(reloader, argv) {
      reload = () =>
        reloader.reload((onFileRead) => loadConfig({ argv, env: process.env, onFileRead }));
    },
  };
}
