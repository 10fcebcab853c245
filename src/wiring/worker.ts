// Process entry for `npm run worker`: the compile cache, then the workers
// (worker-process.ts), for the reasons given in main.ts.

import { enableCompileCache } from './compile-cache.ts';

enableCompileCache();
await import('./worker-process.ts');
