// Profiles one contender under load and prints where its CPU time goes:
//
//   node bench/profile.ts --contender throughline-default --case post-validated
//
// The server runs with `node --cpu-prof` (pinned like in the benchmark), is
// warmed up, loaded for `--duration` seconds and stopped; only samples from
// the loaded window are counted. The .cpuprofile is kept under
// bench/results/ so it can be opened in Chrome DevTools (Performance tab).

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findCase } from './lib/cases.ts';
import { findContender } from './lib/contenders.ts';
import { summariseProfile, type FrameTime } from './lib/cpuprofile.ts';
import { commandExists } from './lib/machine.ts';
import { checkResponse, startLoad } from './lib/measure.ts';
import { startServer } from './lib/server-process.ts';

const { values } = parseArgs({
  options: {
    contender: { type: 'string', default: 'throughline-default' },
    case: { type: 'string', default: 'json' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '20' },
  },
});

const contender = findContender(values.contender);
const benchCase = findCase(values.case);
if (contender === undefined || benchCase === undefined) {
  throw new Error(`unknown contender "${values.contender}" or case "${values.case}"`);
}
const top = Number(values.top);
const pinned = commandExists('taskset', ['--version']);
const tool = commandExists('wrk', ['--version']) ? 'wrk' : 'autocannon';

const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
const spawnedAt = performance.now();
const server = await startServer(contender, {
  cpu: pinned ? 0 : undefined,
  nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
});
const url = `http://127.0.0.1:${server.port}${benchCase.path}`;
await checkResponse(url, benchCase);
const spec = {
  url,
  method: benchCase.method,
  headers: benchCase.headers,
  body: benchCase.body,
  connections: Number(values.connections),
  durationSec: Number(values.warmup),
  cpu: pinned ? 1 : undefined,
};
await startLoad(tool, spec).result;
const skipMs = performance.now() - spawnedAt;
const result = await startLoad(tool, { ...spec, durationSec: Number(values.duration) }).result;
await server.stop();

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error('the server wrote no profile');
mkdirSync('bench/results', { recursive: true });
const kept = join('bench/results', `profile-${contender.id}-${benchCase.id}.cpuprofile`);
copyFileSync(join(dir, file), kept);
rmSync(dir, { recursive: true, force: true });

const summary = summariseProfile(kept, skipMs);
const share = (ms: number): string => `${((ms / summary.windowMs) * 100).toFixed(1).padStart(5)}%`;
const list = (title: string, frames: readonly FrameTime[], key: 'selfMs' | 'totalMs'): void => {
  console.log(`\n${title}`);
  for (const f of frames.slice(0, top)) {
    console.log(`  ${share(f[key])}  ${f[key].toFixed(0).padStart(6)} ms  ${f.frame}  [${f.area}]`);
  }
};

console.log(
  `${contender.label} · ${benchCase.id}: ${Math.round(result.rps)} req/s under the profiler`,
);
console.log(`profile: ${kept} (loaded window ${(summary.windowMs / 1000).toFixed(1)} s)`);
const requests = result.rps * Number(values.duration);
console.log('\nµs per request by component (Node work done for a component counts for it)');
for (const { component, ms } of summary.byComponent) {
  console.log(
    `  ${((ms * 1000) / requests).toFixed(2).padStart(7)} µs  ${share(ms)}  ${component}`,
  );
}
console.log('\nself time by area');
for (const a of summary.byArea) console.log(`  ${share(a.selfMs)}  ${a.area}`);
const bySelf = [...summary.frames].sort((a, b) => b.selfMs - a.selfMs);
list('top frames by self time', bySelf, 'selfMs');
const ours = (f: FrameTime): boolean => f.area === 'throughline src';
list('throughline frames by self time', bySelf.filter(ours), 'selfMs');
list(
  'throughline frames by total (inclusive) time',
  [...summary.frames].filter(ours).sort((a, b) => b.totalMs - a.totalMs),
  'totalMs',
);
