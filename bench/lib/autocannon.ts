// autocannon driver, the fallback when wrk is not installed. It runs as its
// own process (the CLI with `--json`) so it can be pinned to the load CPU
// like wrk. Being JavaScript it needs far more CPU per request than wrk, so
// the bottleneck warnings fire much sooner with it.

import { fileURLToPath } from 'node:url';
import {
  pinnedCommand,
  runLoadProcess,
  type LoadResult,
  type LoadRun,
  type LoadSpec,
} from './load-result.ts';

const CLI = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url));

interface AutocannonJson {
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export function parseAutocannonOutput(stdout: string): LoadResult {
  const start = stdout.indexOf('{');
  if (start === -1) throw new Error(`autocannon printed no result:\n${stdout}`);
  const r = JSON.parse(stdout.slice(start)) as AutocannonJson;
  return {
    requests: r.requests.total,
    durationSec: r.duration,
    rps: r.duration > 0 ? r.requests.total / r.duration : 0,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    socketErrors: r.errors + r.timeouts,
    badStatus: r.non2xx,
  };
}

export function startAutocannon(spec: LoadSpec): LoadRun {
  const args = [
    CLI,
    '--json',
    '--connections',
    String(spec.connections),
    '--pipelining',
    '1',
    '--duration',
    String(spec.durationSec),
    '--method',
    spec.method,
  ];
  for (const [name, value] of Object.entries(spec.headers))
    args.push('--headers', `${name}=${value}`);
  if (spec.body !== undefined) args.push('--body', spec.body);
  args.push(spec.url);
  const [command, argv] = pinnedCommand(spec.cpu, process.execPath, args);
  return runLoadProcess({ tool: 'autocannon', command, args: argv, parse: parseAutocannonOutput });
}
