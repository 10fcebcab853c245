// Process entry for `npm run cli -- <command>`: the compile cache, then the
// operators' command line (cli/run.ts), for the reasons given in main.ts.

import { enableCompileCache } from './compile-cache.ts';

enableCompileCache();
await import('./cli/run.ts');
