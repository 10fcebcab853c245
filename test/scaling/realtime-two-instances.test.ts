// Realtime across instances: two service processes on one PostgreSQL and one
// Redis. An order paid through instance A reaches a WebSocket and an event
// stream connected to instance B within a second: the relay announces the
// event on Redis pub/sub and B's hub reads it from the shared outbox.
//
// Two legs: a fast relay poll, and the default settings (a 1 s poll). At the
// defaults the commit on A wakes A's relay at once (events/committed.ts):
// five orders in a row must each arrive within the second, and within half
// of it, which a relay left to its poll (a delay spread over the whole
// second) would meet five times running only about once in 32.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { listeningUrl, spawnMain, type MainProcess } from '../support/process.ts';
import { openEventStream, openSocket } from '../support/realtime.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import { sharedInstanceEnv } from '../support/shared-instances.ts';
import { openShop, type Shop } from '../support/shop.ts';

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;
const skip = postgres.skip || redisSkip;

const LEGS = [
  // The relay's pause between passes bounds the delay when nothing wakes it.
  {
    name: 'a 100 ms relay poll',
    env: { OUTBOX_POLL_INTERVAL_MS: '100' },
    rounds: 1,
    boundMs: 1_000,
  },
  { name: 'default settings', env: {}, rounds: 5, boundMs: 500 },
] as const;

for (const leg of LEGS) describeLeg(leg);

function describeLeg(leg: (typeof LEGS)[number]): void {
  describe(
    `realtime across two instances on one PostgreSQL and one Redis, ${leg.name}`,
    { skip },
    () => {
      let database: EngineDatabase;
      const processes: MainProcess[] = [];
      const dataDirs: string[] = [];
      const prefix = uniquePrefix();
      let a: ApiClient;
      let urlB: string;
      let shop: Shop;

      before(async () => {
        database = await postgres.open();
        const env = {
          ...(await sharedInstanceEnv({
            databaseUrl: database.fresh!.url,
            redisUrl: REDIS_URL!,
            redisPrefix: prefix,
            kid: 'realtime-scale',
          })),
          RATE_LIMIT_ENABLED: 'false',
          ...leg.env,
        };
        for (let index = 0; index < 2; index += 1) {
          const dataDir = await mkdtemp(join(tmpdir(), 'throughline-realtime-scale-'));
          dataDirs.push(dataDir);
          processes.push(spawnMain({ ...env, DATA_DIR: dataDir }));
        }
        const urlA = await listeningUrl(processes[0]!);
        urlB = await listeningUrl(processes[1]!);
        a = apiClient(urlA);
        shop = await openShop(a, database.sql.db);
      });

      after(async () => {
        for (const main of processes) main.child.kill('SIGTERM');
        await Promise.all(processes.map((main) => main.exited));
        await database.close();
        await removeKeys(prefix);
        await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
      });

      test('an order paid on A reaches a socket and an event stream on B within a second', async () => {
        for (let round = 0; round < leg.rounds; round += 1) await payAndWatch(round);
      });

      async function payAndWatch(round: number): Promise<void> {
        const buyer = await shop.customer(`far-away-${round}`, 10_000);
        const order = await shop.place(buyer, [
          { productId: await shop.product(5, 1_000), quantity: 1 },
        ]);
        const auth = { authorization: `Bearer ${buyer.token}` };

        const socket = await openSocket(`${urlB}/api/v1/realtime/socket`, auth);
        socket.send({ type: 'subscribe', channel: `order:${order.id}` });
        await socket.until('subscribed', (message) => message.type === 'subscribed');
        const stream = await openEventStream(`${urlB}/api/v1/orders/${order.id}/events`, auth);
        assert.equal(stream.status, 200);
        await stream.until('ready', (event) => event.event === 'ready');

        let socketAt: number | undefined;
        socket.ws.on('message', (data: Buffer) => {
          if (data.toString('utf8').includes('"order.paid"')) socketAt ??= performance.now();
        });
        const paidAt = performance.now();
        await shop.act(buyer.token, order.id, 'pay');
        const paid = performance.now();

        await stream.until('order.paid on B', (event) => event.event === 'order.paid');
        const streamAt = performance.now();
        await socket.until(
          'order.paid on B',
          (message) =>
            message.type === 'event' && (message.event as { type: string }).type === 'order.paid',
        );
        socketAt ??= performance.now();
        const socketMs = Math.round(socketAt - paid);
        const streamMs = Math.round(streamAt - paid);
        process.stderr.write(
          `${leg.name}: pay request ${Math.round(paid - paidAt)} ms; commit to B: socket ${socketMs} ms, stream ${streamMs} ms\n`,
        );
        assert.ok(socketMs < leg.boundMs, `socket on B after ${socketMs} ms`);
        assert.ok(streamMs < leg.boundMs, `stream on B after ${streamMs} ms`);
        socket.ws.close();
        stream.close();
      }
    },
  );
}
