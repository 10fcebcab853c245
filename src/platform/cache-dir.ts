// Where the service keeps what it can rebuild at any time: Node's compile
// cache (the entries) and the embedded database's templates (wiring/database.ts).
// Per user — $XDG_CACHE_HOME/throughline, else ~/.cache/throughline (on
// Windows %LOCALAPPDATA%\throughline\cache) — never a shared temporary
// directory: both are loaded as trusted code and data, so no other user may be
// able to write them. Read from the environment directly, not from the
// configuration: the entries need it before the configuration is loaded.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The per-user cache directory, or undefined when the user has no home to keep one in. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'throughline');
  if (process.platform === 'win32' && env.LOCALAPPDATA !== undefined) {
    return join(env.LOCALAPPDATA, 'throughline', 'cache');
  }
  let home: string;
  try {
    home = homedir();
  } catch {
    return undefined;
  }
  return home === '' ? undefined : join(home, '.cache', 'throughline');
}
