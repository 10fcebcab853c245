// Process entry for `npm start`: switches Node's compile cache on, then loads
// the service (web-process.ts). It stays this small because static imports
// are loaded before any statement of the importing module runs: the cache has
// to be on before the service's few hundred modules are compiled, so they are
// imported afterwards, dynamically. With it, a restart reads their compiled
// code (TypeScript already stripped) instead of compiling them all again.
// The cache lives in the user's cache directory (platform/cache-dir.ts);
// NODE_COMPILE_CACHE picks another one, NODE_DISABLE_COMPILE_CACHE=1 turns it off.

import { enableCompileCache } from './compile-cache.ts';

enableCompileCache();
await import('./web-process.ts');
