// wrk driver. Every run gets a small Lua script: it sets the method, headers
// and body (wrk cannot POST a body from the command line) and, in `done`,
// prints the summary as one JSON line with exact microsecond percentiles —
// more precise than parsing the rounded `--latency` table.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  pinnedCommand,
  runLoadProcess,
  type LoadResult,
  type LoadRun,
  type LoadSpec,
} from './load-result.ts';

const RESULT_MARK = 'BENCH_RESULT ';

/** A Lua long-bracket string: no escaping needed unless the text contains the closing bracket. */
function luaString(text: string): string {
  let level = '=';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

export function wrkScript(spec: Pick<LoadSpec, 'method' | 'headers' | 'body'>): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  for (const [name, value] of Object.entries(spec.headers)) {
    // The spaces matter: `[[` would open a Lua long string.
    lines.push(`wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  }
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(',
    `    '${RESULT_MARK}{"requests":%.0f,"durationUs":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,' ..`,
    `    '"timeout":%.0f,"status":%.0f,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f}\\n',`,
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  status: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Reads the JSON line our `done` hook printed; throws if wrk never got there. */
export function parseWrkOutput(stdout: string): LoadResult {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (line === undefined) throw new Error(`wrk printed no result:\n${stdout}`);
  const s = JSON.parse(line.slice(RESULT_MARK.length)) as WrkSummary;
  const durationSec = s.durationUs / 1e6;
  return {
    requests: s.requests,
    durationSec,
    rps: durationSec > 0 ? s.requests / durationSec : 0,
    latencyMs: { p50: s.p50 / 1000, p90: s.p90 / 1000, p99: s.p99 / 1000, max: s.max / 1000 },
    socketErrors: s.connect + s.read + s.write + s.timeout,
    badStatus: s.status,
  };
}

export function startWrk(spec: LoadSpec): LoadRun {
  return runWrkScript({ ...spec, script: wrkScript(spec), origin: spec.url });
}

/**
 * Runs wrk with a Lua request script against `origin` (one thread, pinned
 * to `cpu` when given) and parses its summary; the script file lives in a
 * temporary directory removed when wrk exits.
 */
export function runWrkScript(options: {
  readonly script: string;
  readonly origin: string;
  readonly connections: number;
  readonly durationSec: number;
  readonly cpu: number | undefined;
}): LoadRun {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const script = join(dir, 'request.lua');
  writeFileSync(script, options.script);
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.durationSec}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    options.origin,
  ];
  const [command, argv] = pinnedCommand(options.cpu, 'wrk', args);
  return runLoadProcess({
    tool: 'wrk',
    command,
    args: argv,
    parse: parseWrkOutput,
    // wrk reports a broken script on stderr and then runs anyway, without it.
    failed: (code, stderr) => code !== 0 || stderr.trim() !== '',
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
