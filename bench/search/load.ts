// HTTP load for `npm run bench:search`: the service under a closed loop of
// `connections` clients cycling through one query shape's paths. wrk when it
// is installed (exact microsecond percentiles, bench/db/load.ts's Lua path
// rotation), autocannon otherwise (in a child process pinned like wrk, its
// latencies kept in whole milliseconds).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAutocannonOutput } from '../lib/autocannon.ts';
import { pinnedCommand, type LoadResult, type LoadRun } from '../lib/load-result.ts';
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
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`autocannon exited with ${code}: ${stderr}`));
        return;
      }
      try {
        resolve(parseAutocannonOutput(stdout));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
  if (child.pid === undefined) throw new Error('autocannon did not start');
  return { pid: child.pid, result };
}

export function startPathsLoad(load: PathsLoad): LoadRun {
  return load.tool === 'wrk'
    ? startRoundRobinWrk({ ...load, target: { kind: 'paths', paths: load.paths } })
    : startAutocannonPaths(load);
}
