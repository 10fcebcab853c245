// Measuring one case: every contender's server is started (all pinned to the
// server CPU; idle ones cost nothing), checked and warmed up once, then the
// contenders are measured in turn, round after round. Keeping the servers up
// lets one round of all contenders happen within seconds, so slow drift on a
// shared machine (neighbours, thermal state) hits every contender alike and
// the per-round ratios stay comparable even when absolute numbers wander.

import { startAutocannon } from './autocannon.ts';
import type { BenchCase } from './cases.ts';
import type { Contender } from './contenders.ts';
import { machineBusy, trackCpu, type CpuUsage } from './cpu-usage.ts';
import type { LoadResult, LoadRun, LoadSpec } from './load-result.ts';
import { startServer, type ServerProcess } from './server-process.ts';
import { startWrk } from './wrk.ts';

export interface MeasureSettings {
  readonly tool: 'wrk' | 'autocannon';
  readonly durationSec: number;
  readonly warmupSec: number;
  readonly connections: number;
  /** [server CPU, load-generator CPU], or undefined to leave scheduling to the OS. */
  readonly cpus: readonly [number, number] | undefined;
  /** Extra attempts for a run disturbed by other processes. */
  readonly retries: number;
  /** How long to wait for other processes to calm down before each attempt. */
  readonly quietWaitSec: number;
}

export interface Measurement {
  readonly result: LoadResult;
  readonly serverCpu: number | undefined;
  readonly loadCpu: number | undefined;
  /** Cores used by unrelated processes during the measured window. */
  readonly othersCpu: number | undefined;
  readonly attempts: number;
}

/** Above this many cores used by other processes, a run counts as disturbed. */
export const DISTURBED = 0.2;

/** Fails loudly when a server answers the case wrongly, so a fast 404 can never win. */
export async function checkResponse(url: string, benchCase: BenchCase): Promise<void> {
  const response = await fetch(url, {
    method: benchCase.method,
    headers: benchCase.headers,
    ...(benchCase.body === undefined ? {} : { body: benchCase.body }),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  const expect = benchCase.expect;
  const problems: string[] = [];
  if (response.status !== expect.status) {
    problems.push(`status ${response.status} ≠ ${expect.status}`);
  }
  if (!contentType.startsWith(expect.contentType)) problems.push(`content-type "${contentType}"`);
  if (text !== expect.body) problems.push(`body ${JSON.stringify(text.slice(0, 200))}`);
  if (problems.length > 0) throw new Error(`wrong answer: ${problems.join('; ')}`);
}

export function startLoad(tool: 'wrk' | 'autocannon', spec: LoadSpec): LoadRun {
  return tool === 'wrk' ? startWrk(spec) : startAutocannon(spec);
}

/** A contender's server for one case, checked and warmed up. */
export interface CaseServer {
  readonly contender: Contender;
  readonly server: ServerProcess;
  readonly url: string;
}

function loadSpec(
  url: string,
  benchCase: BenchCase,
  settings: MeasureSettings,
  sec: number,
): LoadSpec {
  return {
    url,
    method: benchCase.method,
    headers: benchCase.headers,
    body: benchCase.body,
    connections: settings.connections,
    durationSec: sec,
    cpu: settings.cpus?.[1],
  };
}

export async function prepareServer(
  contender: Contender,
  benchCase: BenchCase,
  settings: MeasureSettings,
): Promise<CaseServer> {
  const server = await startServer(contender, { cpu: settings.cpus?.[0] });
  const url = `http://127.0.0.1:${server.port}${benchCase.path}`;
  try {
    await checkResponse(url, benchCase);
    await startLoad(settings.tool, loadSpec(url, benchCase, settings, settings.warmupSec)).result;
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { contender, server, url };
}

/**
 * Measures once, and again (up to `retries` times) when other processes
 * took a noticeable share of the CPU; keeps the least disturbed attempt.
 */
export async function measure(
  target: CaseServer,
  benchCase: BenchCase,
  settings: MeasureSettings,
): Promise<Measurement> {
  let best: Omit<Measurement, 'attempts'> | undefined;
  let attempts = 0;
  while (attempts <= settings.retries) {
    attempts++;
    await waitForQuiet(settings.quietWaitSec);
    const m = await measureOnce(target, benchCase, settings);
    if (best === undefined || (m.othersCpu ?? 0) < (best.othersCpu ?? 0)) best = m;
    if ((m.othersCpu ?? 0) <= DISTURBED) break;
  }
  return { ...best!, attempts };
}

/** Waits (at most `maxSec`) until other processes use no more than DISTURBED of a core. */
export async function waitForQuiet(maxSec: number): Promise<void> {
  const deadline = performance.now() + maxSec * 1000;
  while (performance.now() < deadline) {
    const busy = await machineBusy(500);
    if (busy === undefined || busy <= DISTURBED) return;
  }
}

async function measureOnce(
  target: CaseServer,
  benchCase: BenchCase,
  settings: MeasureSettings,
): Promise<Omit<Measurement, 'attempts'>> {
  const gone = target.server.exitReason();
  if (gone !== undefined) throw new Error(gone);
  const spec = loadSpec(target.url, benchCase, settings, settings.durationSec);
  const run = startLoad(settings.tool, spec);
  const cpu = trackCpu([target.server.pid, run.pid]);
  let usage: CpuUsage;
  let result: LoadResult;
  try {
    result = await run.result;
  } catch (error) {
    // A load failure is usually the server dying mid-run: say why, if we know.
    throw new Error(target.server.exitReason() ?? String(error), { cause: error });
  } finally {
    usage = cpu.stop();
  }
  return {
    result,
    serverCpu: usage.byPid.get(target.server.pid),
    loadCpu: usage.byPid.get(run.pid),
    othersCpu: usage.others,
  };
}
