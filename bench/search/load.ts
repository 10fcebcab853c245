// HTTP load for `npm run bench:search`: the service under a closed loop of
// `connections` clients cycling through one query shape's paths. wrk when it
// is installed (exact microsecond percentiles, bench/db/load.ts's Lua path
// rotation), autocannon otherwise (in a child process pinned like wrk, its
// latencies kept in whole milliseconds).

import { fileURLToPath } from 'node:url';
import { parseAutocannonOutput } from '../lib/autocannon.ts';
import { pinnedCommand, runLoadProcess, type LoadRun } from '../lib/load-result.ts';
import { startRoundRobinWrk } from '../db/load.ts';

const AUTOCANNON_PATHS = fileURLToPath(new URL('./autocannon-paths.ts', import.meta.url));

export type HttpTool = 'wrk' | 'autocannon';

export interface PathsLoad {
  readonly tool: HttpTool;
  readonly origin: string;
  readonly paths: readonly string[];
  readonly connections: number;
  readonly durationSec: number;
  readonly cpu: number | undefined;
}

function startAutocannonPaths(load: PathsLoad): LoadRun {
  const spec = JSON.stringify({
    origin: load.origin,
    paths: load.paths,
    connections: load.connections,
    durationSec: load.durationSec,
  });
  const [command, argv] = pinnedCommand(load.cpu, process.execPath, [AUTOCANNON_PATHS, spec]);
  return runLoadProcess({ tool: 'autocannon', command, args: argv, parse: parseAutocannonOutput });
}

export function startPathsLoad(load: PathsLoad): LoadRun {
  return load.tool === 'wrk'
    ? startRoundRobinWrk({ ...load, target: { kind: 'paths', paths: load.paths } })
    : startAutocannonPaths(load);
}
