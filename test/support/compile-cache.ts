// Loaded first in every test process (`npm test` passes it with --import):
// turns on Node's on-disk compile cache, so the second and later processes
// that load the same modules (every suite loads most of src/, and many
// spawn the service) reuse the compiled code, TypeScript stripped and all,
// instead of compiling it again. NODE_COMPILE_CACHE chooses the directory
// (default: node-compile-cache under the OS temp directory) and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off. It changes nothing a test sees.

import { enableCompileCache } from 'node:module';

enableCompileCache();
