// The server of the realtime benchmark, started as run.ts and the test both
// need it: a prepared database (PostgreSQL at `postgresUrl`, else PGlite),
// server.ts in a process of its own with --expose-gc, a fresh data key and
// metrics token the runner keeps, and room for `connections` descriptors.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preparePglite, preparePostgres } from '../db/databases.ts';
import { startServerProcess } from '../lib/server-process.ts';
import type { BenchServer } from './bench.ts';
import { raiseOpenFileLimit } from './file-limits.ts';

/** The demo accounts and a few products to order: all the benchmark reads. */
const SEED = { products: 100, customers: 1, orders: 0 } as const;
const SERVER_SCRIPT = fileURLToPath(new URL('./server.ts', import.meta.url));

export interface StartedBenchServer extends BenchServer {
  readonly engine: 'pglite' | 'postgres';
  stop(): Promise<void>;
}

export async function startBenchServer(options: {
  readonly postgresUrl: string | undefined;
  readonly pollMs: number;
  readonly connections: number;
  /**
   * Fills `dataDir/pglite` instead of migrating and seeding a fresh PGlite
   * (the test copies its prepared template: seconds instead of half a minute).
   */
  readonly preparePglite?: (dataDir: string) => Promise<void>;
}): Promise<StartedBenchServer> {
  const scratch = await mkdtemp(join(tmpdir(), 'throughline-bench-realtime-'));
  await options.preparePglite?.(scratch);
  const pglite =
    options.postgresUrl === undefined && options.preparePglite === undefined
      ? await preparePglite({ size: SEED })
      : undefined;
  const postgres =
    options.postgresUrl === undefined
      ? undefined
      : await preparePostgres(options.postgresUrl, { size: SEED });
  const removeData = async () => {
    await postgres?.drop();
    await pglite?.remove();
    await rm(scratch, { recursive: true, force: true });
  };
  const dataDir = pglite?.dataDir ?? scratch;
  const dataKey = randomBytes(32);
  const metricsToken = randomBytes(24).toString('base64url');
  let server;
  try {
    server = await startServerProcess({
      script: SERVER_SCRIPT,
      nodeFlags: ['--expose-gc'],
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: postgres?.url,
        OUTBOX_POLL_INTERVAL_MS: String(options.pollMs),
        DATA_ENCRYPTION_KEY: dataKey.toString('base64'),
        METRICS_TOKEN: metricsToken,
      },
      cpu: undefined,
    });
  } catch (error) {
    await removeData();
    throw error;
  }
  raiseOpenFileLimit(server.pid, options.connections + 1024);
  return {
    engine: postgres === undefined ? 'pglite' : 'postgres',
    origin: `http://127.0.0.1:${server.port}`,
    pid: server.pid,
    metricsToken,
    dataDir,
    dataKey,
    async stop() {
      await server.stop();
      await removeData();
    },
  };
}
