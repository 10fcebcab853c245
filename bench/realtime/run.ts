// `npm run bench:realtime`: what realtime clients cost the service, how fast
// an order's status change reaches them, and how fast the disk store takes
// an upload (bench.ts says how each is measured). One server process
// (server.ts) on a prepared database; the clients in separate processes
// (clients.ts), so the server's figures are its own. Full size by default
// (10,000 idle connections, fan-out to 5,000, a 256 MiB upload); a smoke run:
//   npm run bench:realtime -- --connections 100 --fan-out 50 --upload-mib 8

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from '../lib/machine.ts';
import { wholeNumber } from '../lib/options.ts';
import { runRealtimeBench, type RealtimeSizes } from './bench.ts';
import { startBenchServer } from './bench-server.ts';
import { formatReport } from './summary.ts';

const USAGE = `Usage: npm run bench:realtime -- [options]

  --connections <n>   idle connections held, half WebSockets, half event streams
                      (default 10000, env BENCH_REALTIME_CONNECTIONS)
  --fan-out <n>       of those, how many the events fan out to (default 5000, env BENCH_REALTIME_FAN_OUT)
  --events <n>        order cancellations timed (default 20, at most 1000)
  --processes <n>     client processes (default 4)
  --upload-mib <n>    upload size in MiB (default 256, env BENCH_REALTIME_UPLOAD_MIB)
  --upload-rounds <n> upload and cp rounds, medians reported (default 3)
  --poll-ms <n>       the relay's OUTBOX_POLL_INTERVAL_MS (default 1000, the service's)
  --postgres-url <u>  run on this PostgreSQL server (default DATABASE_URL; none: PGlite)
  --out <file>        JSON results (default bench/results/realtime-latest.json)
`;

const { values } = parseArgs({
  options: {
    connections: { type: 'string' },
    'fan-out': { type: 'string' },
    events: { type: 'string' },
    processes: { type: 'string' },
    'upload-mib': { type: 'string' },
    'upload-rounds': { type: 'string' },
    'poll-ms': { type: 'string' },
    'postgres-url': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const env = process.env;
const connections = wholeNumber(
  '--connections',
  values.connections ?? env['BENCH_REALTIME_CONNECTIONS'] ?? '10000',
  2,
);
const fanOutTotal = wholeNumber(
  '--fan-out',
  values['fan-out'] ?? env['BENCH_REALTIME_FAN_OUT'] ?? '5000',
  2,
);
const half = (total: number) => ({ sockets: Math.ceil(total / 2), streams: Math.floor(total / 2) });
const sizes: RealtimeSizes = {
  idle: half(connections),
  fanOut: half(Math.min(fanOutTotal, connections)),
  events: Math.min(1000, wholeNumber('--events', values.events ?? '20', 1)),
  processes: wholeNumber('--processes', values.processes ?? '4', 1),
  concurrency: 32,
  uploadBytes:
    wholeNumber(
      '--upload-mib',
      values['upload-mib'] ?? env['BENCH_REALTIME_UPLOAD_MIB'] ?? '256',
      1,
    ) *
    1024 *
    1024,
  uploadRounds: wholeNumber('--upload-rounds', values['upload-rounds'] ?? '3', 1),
};
const pollMs = wholeNumber('--poll-ms', values['poll-ms'] ?? '1000', 10);
const postgresUrl = values['postgres-url'] ?? (env['DATABASE_URL'] || undefined);
const out = values.out ?? 'bench/results/realtime-latest.json';

function ephemeralPorts(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .replace(/\s+/, '–');
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer({ postgresUrl, pollMs, connections });
  try {
    const report = await runRealtimeBench(server, sizes, (line) =>
      process.stdout.write(`  … ${line}\n`),
    );
    const result = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      engine: server.engine,
      pollMs,
      ephemeralPorts: ephemeralPorts(),
      ...report,
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${formatReport(report, { engine: result.engine, pollMs, cores: result.machine.cores })}  written to ${out}\n`,
    );
  } finally {
    await server.stop();
  }
}

await main();
