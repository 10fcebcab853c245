// `npm run bench:cache`: single-flight, measured. The real service on a fresh
// PostgreSQL database (seeded like `npm run bench:db`), 1,000 requests for one
// product nobody has read yet, all in flight at once, and how many times the
// database was asked for it:
//
// - by the cache's own counters (GET /api/v1/admin/cache: loads, and the
//   requests that joined a load already running, `coalesced`);
// - independently, by PostgreSQL: the scans of `products` in
//   pg_stat_user_tables (seq_scan + idx_scan), from before the server starts
//   until after it has stopped and its connections are gone — a backend
//   reports its statistics when it exits at the latest, so the figure is
//   complete. The product read is one statement by primary key, one index
//   scan; nothing else the server does (start-up, admin login, health
//   checks) reads `products`, so anything extra would show here too.
//
// Each mode gets a server process of its own, so the product is cold in the
// in-process tiers: the cache off, on (in process) and, with a Redis URL, on
// with Redis as L2 (under a key prefix of the run's own, removed afterwards).
// The 1,000 connections are opened before the burst, and the requests are
// written to them raw in one synchronous loop (a few milliseconds for all of
// them), so the burst is 1,000 requests arriving together on open sockets
// rather than 1,000 TCP handshakes or an HTTP client's own pacing.

import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { machineInfo } from '../lib/machine.ts';
import { benchKeyPrefix, cacheCounters, checkRedis, removeKeys } from './cache.ts';
import { PRODUCT_COUNT, preparePostgres } from './databases.ts';
import { startDbServer } from './load.ts';
import { counterDelta, type CacheCounters } from './summary.ts';

const SERVER = fileURLToPath(new URL('./servers/throughline.ts', import.meta.url));
const BACKENDS_GONE_TIMEOUT_MS = 30_000;
/** Connections opened at a time: below the listen backlog, so no SYN is dropped and retried. */
const CONNECT_BATCH = 100;

export interface SingleFlightOptions {
  readonly requests: number;
  readonly productId: number;
  readonly postgresUrl: string;
  readonly redisUrl: string | undefined;
  readonly out: string;
}

export function parseSingleFlightOptions(argv: readonly string[]): SingleFlightOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      requests: { type: 'string', default: '1000' },
      product: { type: 'string', default: '4242' },
      'postgres-url': {
        type: 'string',
        default:
          process.env['BENCH_POSTGRES_URL'] ??
          process.env['DATABASE_URL'] ??
          'postgres://postgres@127.0.0.1:5432/postgres',
      },
      'redis-url': { type: 'string', default: process.env['REDIS_URL'] ?? '' },
      out: { type: 'string', default: 'bench/results/cache-single-flight.json' },
    },
  });
  const requests = Number(values.requests);
  const productId = Number(values.product);
  if (!Number.isInteger(requests) || requests < 1 || requests > 10_000) {
    throw new Error('--requests must be a whole number in 1..10000');
  }
  if (!Number.isInteger(productId) || productId < 1 || productId > PRODUCT_COUNT) {
    throw new Error(`--product must be an id in 1..${PRODUCT_COUNT}`);
  }
  return {
    requests,
    productId,
    postgresUrl: values['postgres-url'],
    redisUrl: values['redis-url'] === '' ? undefined : values['redis-url'],
    out: values.out,
  };
}

interface Mode {
  readonly id: 'cache-off' | 'cache-on' | 'cache-on-redis';
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
}

export interface SingleFlightResult {
  readonly mode: Mode['id'];
  readonly label: string;
  readonly requests: number;
  /** Responses with status 200, and how many distinct ETags they carried (1 when all agree). */
  readonly ok: number;
  readonly etags: number;
  /** How long writing every request took, and from then on until the last response. */
  readonly sendMs: number;
  readonly wallMs: number;
  /** The cache's counters over the burst; undefined with the cache off. */
  readonly cache: CacheCounters | undefined;
  /** Scans of `products` over the server's whole life, from pg_stat_user_tables. */
  readonly productScans: number;
}

interface Reply {
  readonly status: number;
  readonly etag: string | undefined;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function openAll(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  while (sockets.length < count) {
    const batch = Math.min(CONNECT_BATCH, count - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => open(port)))));
  }
  return sockets;
}

/** The reply to the one request (`Connection: close`) this socket is about to send. */
function replyOn(socket: Socket): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.slice(0, Math.max(0, text.indexOf('\r\n\r\n')));
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        etag: /^etag: *(.*)$/im.exec(head)?.[1],
      });
    });
  });
}

/** seq_scan + idx_scan of `products`, as the statistics system has it now. */
async function productScans(client: pg.Client): Promise<number> {
  await client.query('select pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ scans: string }>(
    `select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as scans
       from pg_stat_user_tables where relname = 'products'`,
  );
  const scans = rows[0]?.scans;
  if (scans === undefined) throw new Error('no statistics for products');
  return Number(scans);
}

/** Waits until no other session is connected to this database: their statistics are in. */
async function backendsGone(client: pg.Client): Promise<void> {
  const deadline = performance.now() + BACKENDS_GONE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await client.query<{ others: string }>(
      `select count(*) as others from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()`,
    );
    if (rows[0]?.others === '0') return;
    if (performance.now() > deadline) {
      throw new Error(`other sessions still connected after ${BACKENDS_GONE_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function burst(
  mode: Mode,
  env: Readonly<Record<string, string>>,
  client: pg.Client,
  options: SingleFlightOptions,
): Promise<SingleFlightResult> {
  await backendsGone(client);
  const scansBefore = await productScans(client);
  const server = await startDbServer(SERVER, { ...env, ...mode.env }, undefined);
  const origin = `http://127.0.0.1:${server.port}`;
  let sockets: Socket[] = [];
  let replies: Reply[];
  let sendMs: number;
  let wallMs: number;
  let cache: CacheCounters | undefined;
  try {
    const counters =
      mode.env['CACHE_ENABLED'] === 'true' ? cacheCounters(origin, 'admin') : undefined;
    const before = await counters?.();
    sockets = await openAll(server.port, options.requests);
    const pending = sockets.map(replyOn);
    const raw =
      `GET /api/v1/products/${options.productId} HTTP/1.1\r\n` +
      `Host: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`;
    const started = performance.now();
    for (const socket of sockets) socket.write(raw);
    sendMs = performance.now() - started;
    replies = await Promise.all(pending);
    wallMs = performance.now() - started;
    if (before !== undefined && counters !== undefined) {
      cache = counterDelta(before, await counters());
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
  await backendsGone(client);
  const scansAfter = await productScans(client);
  return {
    mode: mode.id,
    label: mode.label,
    requests: options.requests,
    ok: replies.filter((r) => r.status === 200).length,
    etags: new Set(replies.map((r) => r.etag)).size,
    sendMs,
    wallMs,
    cache,
    productScans: scansAfter - scansBefore,
  };
}

export function formatSingleFlight(results: readonly SingleFlightResult[]): string {
  const header = [
    'mode',
    '200s',
    'loads (counters)',
    'coalesced',
    'hits',
    'products scans (PostgreSQL)',
    'sent in ms',
    'all answered in ms',
  ];
  const body = results.map((r) => [
    r.label,
    `${r.ok}/${r.requests}`,
    r.cache === undefined ? '—' : String(r.cache.loads),
    r.cache === undefined ? '—' : String(r.cache.coalesced),
    r.cache === undefined ? '—' : String(r.cache.hits),
    String(r.productScans),
    r.sendMs.toFixed(1),
    r.wallMs.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

export async function runSingleFlight(options: SingleFlightOptions): Promise<void> {
  const machine = machineInfo();
  console.log('Throughline product cache: single-flight under a burst\n');
  console.log(
    `  ${options.requests} concurrent GET /api/v1/products/${options.productId} on open` +
      ` connections, one cold product; node ${machine.node}, ${machine.cpuModel}, ${machine.cores} cores`,
  );
  const modes: Mode[] = [
    { id: 'cache-off', label: 'cache off', env: { CACHE_ENABLED: 'false' } },
    { id: 'cache-on', label: 'cache on (in process)', env: { CACHE_ENABLED: 'true' } },
  ];
  const notes: string[] = [];
  let redis: { url: string; prefix: string } | undefined;
  if (options.redisUrl !== undefined) {
    try {
      await checkRedis(options.redisUrl);
      redis = { url: options.redisUrl, prefix: benchKeyPrefix() };
      modes.push({
        id: 'cache-on-redis',
        label: 'cache on (Redis L2)',
        env: { CACHE_ENABLED: 'true', REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix },
      });
    } catch (error) {
      notes.push(`Redis unreachable (${String(error)}): Redis mode skipped`);
    }
  }
  for (const note of notes) console.log(`  ! ${note}`);

  const seeded = performance.now();
  const postgres = await preparePostgres(options.postgresUrl);
  console.log(
    `  PostgreSQL ${postgres.name} seeded in ${Math.round(performance.now() - seeded)} ms\n`,
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-cache-'));
  const client = new pg.Client({ connectionString: postgres.url });
  const results: SingleFlightResult[] = [];
  try {
    await client.connect();
    const env = { DATA_DIR: dataDir, DATABASE_URL: postgres.url };
    for (const mode of modes) {
      const result = await burst(mode, env, client, options);
      results.push(result);
      console.log(
        `  ${mode.label}: ${result.cache?.loads ?? '—'} loads by the counters,` +
          ` ${result.productScans} scans of products by PostgreSQL`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    await postgres.drop();
    await rm(dataDir, { recursive: true, force: true });
    if (redis !== undefined) {
      const removed = await removeKeys(redis.url, redis.prefix);
      console.log(`  Removed ${removed} Redis keys under ${redis.prefix}`);
    }
  }

  console.log(`\n${formatSingleFlight(results)}\n`);
  for (const r of results) {
    if (r.ok !== r.requests || r.etags !== 1) {
      console.log(`! ${r.label}: ${r.requests - r.ok} failed requests, ${r.etags} distinct ETags`);
    }
  }
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(
    options.out,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, options: { ...options, postgresUrl: undefined, redisUrl: undefined }, results, notes }, null, 2)}\n`,
  );
  console.log(`Results written to ${options.out}`);
}

if (import.meta.main) await runSingleFlight(parseSingleFlightOptions(process.argv.slice(2)));
