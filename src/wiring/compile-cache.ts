// Node's compile cache for the process entries (main.ts, worker.ts), in the
// user's cache directory. Imported statically by the entries, so it imports
// nothing heavy itself.

import { flushCompileCache, enableCompileCache as enableNodeCompileCache } from 'node:module';
import { join } from 'node:path';
import { userCacheDir } from '../platform/cache-dir.ts';

/**
 * Turns the cache on (a no-op when NODE_COMPILE_CACHE already did, or
 * NODE_DISABLE_COMPILE_CACHE=1 forbids it). Never throws: without a writable
 * directory the process compiles as it would without a cache.
 */
export function enableCompileCache(): void {
  const cache = userCacheDir();
  // No user cache directory: no cache, rather than Node's default in the shared temporary directory.
  if (cache !== undefined) enableNodeCompileCache(join(cache, 'compile'));
}

/**
 * Writes what was compiled so far. Node writes it on exit anyway; once the
 * process is ready is sooner, so a process that is later killed (SIGKILL,
 * OOM) still leaves the next start its compiled code.
 */
export function saveCompileCache(): void {
  setImmediate(() => {
    flushCompileCache();
  });
}
