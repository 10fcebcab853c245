// A child process that drives autocannon over a list of paths, each request
// taking the next path in turn (the autocannon CLI sends one URL only), and
// prints autocannon's result as JSON on stdout — the same shape as the CLI's
// `--json`, read by parseAutocannonOutput. The runner starts it pinned to the
// load CPU (startPathsLoad in load.ts). Used when wrk is not installed.
//
//   node bench/search/autocannon-paths.ts '{"origin":…,"paths":[…],"connections":4,"durationSec":5}'

import { createRequire } from 'node:module';

interface Spec {
  readonly origin: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly durationSec: number;
}

interface AutocannonRequest {
  setupRequest?: (request: Record<string, unknown>) => Record<string, unknown>;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  requests: AutocannonRequest[];
}) => Promise<unknown>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const spec = JSON.parse(process.argv[2] ?? '') as Spec;
let next = 0;
const result = await autocannon({
  url: spec.origin,
  connections: spec.connections,
  pipelining: 1,
  duration: spec.durationSec,
  requests: [
    {
      setupRequest: (request) => ({ ...request, path: spec.paths[next++ % spec.paths.length] }),
    },
  ],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
