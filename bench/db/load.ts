// Process plumbing for the database benchmark: start a server script with its
// own environment (lib/server-process.ts, pinned like the main harness), and drive it with wrk
// through a Lua `request` hook that walks product ids 1..N round-robin (so
// the load reads every row in turn rather than one cached row), or cycles a
// fixed list of paths (list queries with different filters). The result line
// is the main harness's (wrkScript's `done` hook, parsed by parseWrkOutput).

import type { LoadRun } from '../lib/load-result.ts';
import { startServerProcess, type ServerProcess } from '../lib/server-process.ts';
import { runWrkScript, wrkScript } from '../lib/wrk.ts';

export type DbServer = ServerProcess;

/**
 * What the server scripts read from their environment: only the contender
 * sets them, never the runner's own environment (a DATABASE_URL or REDIS_URL
 * exported for the runner must not turn the PGlite or in-process legs into
 * something else).
 */
const SERVER_SETTINGS: ReadonlySet<string> = new Set([
  'DATA_DIR',
  'DATABASE_URL',
  'CACHE_ENABLED',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'FASTIFY_PIPELINE',
  'PG_NAMED_STATEMENTS',
]);

export function startDbServer(
  script: string,
  env: Readonly<Record<string, string>>,
  cpu: number | undefined,
): Promise<DbServer> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !SERVER_SETTINGS.has(name)),
  );
  return startServerProcess({ script, cpu, env: { ...inherited, ...env } });
}

/** The harness's script plus a `request` hook cycling `<prefix>1` … `<prefix>count`. */
export function roundRobinScript(pathPrefix: string, count: number): string {
  return (
    wrkScript({ method: 'GET', headers: {}, body: undefined }) +
    [
      'local next_id = 0',
      'request = function()',
      `  next_id = next_id % ${count} + 1`,
      `  return wrk.format(nil, "${pathPrefix}" .. next_id)`,
      'end',
      '',
    ].join('\n')
  );
}

/** The harness's script plus a `request` hook cycling through `paths` in order. */
export function pathsScript(paths: readonly string[]): string {
  const quoted = paths.map((path) => `"${path.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
  return (
    wrkScript({ method: 'GET', headers: {}, body: undefined }) +
    [
      `local paths = {${quoted.join(', ')}}`,
      'local next_path = 0',
      'request = function()',
      `  next_path = next_path % ${paths.length} + 1`,
      '  return wrk.format(nil, paths[next_path])',
      'end',
      '',
    ].join('\n')
  );
}

/** What the load asks for: product ids round-robin, or a list of paths in turn. */
export type LoadTarget =
  | { readonly kind: 'ids'; readonly pathPrefix: string; readonly count: number }
  | { readonly kind: 'paths'; readonly paths: readonly string[] };

export function loadScript(target: LoadTarget): string {
  return target.kind === 'ids'
    ? roundRobinScript(target.pathPrefix, target.count)
    : pathsScript(target.paths);
}

export function startRoundRobinWrk(options: {
  readonly origin: string;
  readonly target: LoadTarget;
  readonly connections: number;
  readonly durationSec: number;
  readonly cpu: number | undefined;
}): LoadRun {
  return runWrkScript({ ...options, script: loadScript(options.target) });
}
