// Redis for tests: the real-server legs run when REDIS_URL is set. The server
// is shared by every test process running in parallel, so nothing here
// flushes it: each suite works under a random key prefix and removes its own
// keys (SCAN + single-key DEL) when it ends.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createRedisConnection, type RedisConnection } from '../../src/adapters/redis/client.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { silentLogger } from './start.ts';

export const REDIS_URL: string | undefined = process.env.REDIS_URL || undefined;

/** For `{ skip }`: false when a Redis server is configured. */
export const redisSkip: string | false = REDIS_URL === undefined ? 'REDIS_URL is not set' : false;

/** A key/channel prefix no other suite or process uses. */
export function uniquePrefix(): string {
  return `throughline-test:${randomUUID()}:`;
}

/** REDIS_URL with its host and port replaced (to go through a proxy). */
export function redisUrlVia(port: number, host = '127.0.0.1'): string {
  const url = new URL(REDIS_URL!);
  url.hostname = host;
  url.port = String(port);
  return url.href;
}

/** The host and port REDIS_URL points at. */
export function redisTarget(): { host: string; port: number } {
  const url = new URL(REDIS_URL!);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/** A connection as the service opens it, ready for commands. */
export async function openConnection(
  options: { url?: string; logger?: Logger; name?: string } = {},
): Promise<RedisConnection> {
  const connection = createRedisConnection({
    url: options.url ?? REDIS_URL!,
    logger: options.logger ?? silentLogger(),
    name: options.name ?? 'test',
  });
  await connection.waitUntilReady();
  return connection;
}

/** Deletes every key under `prefix`, one key per command (cluster-safe, no FLUSHDB). */
export async function removeKeys(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL!, { lazyConnect: true });
  await client.connect();
  try {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) removed += await client.del(key);
    } while (cursor !== '0');
    return removed;
  } finally {
    client.disconnect();
  }
}

/**
 * A throwaway redis-server on a free port, for what must not touch the shared
 * server (SCRIPT FLUSH); undefined when redis-server is not installed.
 */
export async function startPrivateRedis(): Promise<
  { readonly url: string; stop(): Promise<void> } | undefined
> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const started = await new Promise<boolean>((resolve) => {
    child.once('error', () => {
      resolve(false);
    });
    child.once('exit', () => {
      resolve(false);
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(true);
    });
  });
  if (!started) return undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
