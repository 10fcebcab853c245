// Loaded first in every test process (`npm test` passes it with --import).
//
// Compile cache: the second and later processes that load the same modules
// (every suite loads most of src/, and many spawn the service) reuse the
// compiled code, TypeScript stripped and all, instead of compiling it again.
// NODE_COMPILE_CACHE chooses the directory (default: node-compile-cache under
// the OS temp directory) and NODE_DISABLE_COMPILE_CACHE=1 turns it off. It
// changes nothing a test sees.
//
// A deadline per test file: --test-timeout bounds each test, but a file whose
// tests have finished can still be kept alive by a pool, a socket or a timer
// its cleanup never closed, and the run then waits for it forever. Past
// TEST_FILE_DEADLINE_MS (default 20 minutes, several times the slowest file)
// the file's process says so and exits non-zero, so the run fails with a
// name instead of hanging. Only test files get it (the runner marks them with
// NODE_TEST_CONTEXT), never the runner that starts them.

import { enableCompileCache } from 'node:module';

enableCompileCache();

const DEFAULT_FILE_DEADLINE_MS = 20 * 60_000;

if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const configured = Number(process.env.TEST_FILE_DEADLINE_MS);
  const deadline =
    Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_FILE_DEADLINE_MS;
  const file = process.argv[1] ?? 'this test file';
  setTimeout(() => {
    process.stderr.write(
      `${file} still running after ${deadline} ms: something it opened was never closed (or it is far slower than it should be)\n`,
    );
    process.exit(1);
  }, deadline).unref();
}
