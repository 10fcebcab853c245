// What the numbers were measured on: printed with every run and stored in
// the JSON, because a req/s figure without its machine means nothing.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly node: string;
  readonly v8: string;
  readonly os: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
  readonly versions: Readonly<Record<string, string>>;
  readonly wrk: string | undefined;
  readonly taskset: boolean;
}

/** The plugins of the `fastify + plugins` contender, whose versions matter as much as Fastify's. */
const FASTIFY_PLUGINS = [
  '@fastify/helmet',
  '@fastify/cors',
  '@fastify/rate-limit',
  '@fastify/compress',
  '@fastify/etag',
] as const;

function packageVersion(relative: string): string {
  try {
    const url = new URL(`../../${relative}`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function commandExists(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its usage and exits 1 for `--version`; only ENOENT means "missing".
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

function wrkVersion(): string | undefined {
  try {
    return execFileSync('wrk', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch (error) {
    const out = (error as { stdout?: string }).stdout;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || out === undefined) return undefined;
    return out.split('\n')[0]!.trim();
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    versions: {
      throughline: packageVersion('package.json'),
      fastify: packageVersion('node_modules/fastify/package.json'),
      ...Object.fromEntries(
        FASTIFY_PLUGINS.map((name) => [name, packageVersion(`node_modules/${name}/package.json`)]),
      ),
      jose: packageVersion('node_modules/jose/package.json'),
      zod: packageVersion('node_modules/zod/package.json'),
      pino: packageVersion('node_modules/pino/package.json'),
      autocannon: packageVersion('node_modules/autocannon/package.json'),
    },
    wrk: wrkVersion(),
    taskset: commandExists('taskset', ['--version']),
  };
}
