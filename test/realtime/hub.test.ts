// The realtime hub on both engines, with two real relays and the outbox: while
// events keep committing, clients that join live or resume from an earlier
// position each get every event after their position exactly once, in
// order — where the catching up from the outbox meets the live flow there
// is neither a gap nor a repeat.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldNow } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sql as raw } from 'kysely';
import { createMemoryPubSub } from '../../src/adapters/pubsub/memory.ts';
import { enqueueOn } from '../../src/adapters/queue/postgres.ts';
import { RELAYED_CHANNEL } from '../../src/modules/events/module.ts';
import { recordEvent } from '../../src/modules/events/outbox.ts';
import { createOutboxRelay, type OutboxRelay } from '../../src/modules/events/relay.ts';
import { ADMIN_CHANNEL } from '../../src/modules/realtime/channels.ts';
import { createFeed, type Feed, type FeedEvent } from '../../src/modules/realtime/feed.ts';
import {
  createRealtimeHub,
  type HubClient,
  type RealtimeHub,
} from '../../src/modules/realtime/hub.ts';
import type { PubSub } from '../../src/ports/pubsub.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import { silentLogger } from '../support/start.ts';

function collector(): { client: HubClient; got: FeedEvent[] } {
  const got: FeedEvent[] = [];
  return {
    got,
    client: {
      channels: new Set([ADMIN_CHANNEL]),
      send(event) {
        got.push(event);
      },
      close() {},
    },
  };
}

for (const engine of ENGINES) {
  describe(`the realtime hub on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let pubsub: PubSub;
    let relays: OutboxRelay[];
    let feed: Feed;
    let hub: RealtimeHub;
    const logger = silentLogger();

    before(async () => {
      database = await engine.open();
      pubsub = createMemoryPubSub({ logger });
      // Two relays, as with two worker processes: their passes must still
      // number events in commit order.
      relays = [1, 2].map(() =>
        createOutboxRelay({
          sql: database.sql,
          enqueue: enqueueOn,
          logger,
          intervalMs: 10,
          batchSize: 7,
          onRelayed: (seq) => {
            void pubsub.publish(RELAYED_CHANNEL, JSON.stringify({ seq }));
          },
        }),
      );
      for (const relay of relays) relay.start();
      feed = createFeed(database.sql);
      // A long poll: only the relay's notices move the hub here.
      hub = createRealtimeHub({ feed, pubsub, logger, pollMs: 60_000 });
      await hub.start();
    });

    after(async () => {
      await hub.stop();
      await Promise.all(relays.map((relay) => relay.stop()));
      await pubsub.close();
      await database.close();
    });

    test('joining live or resuming while events commit: each event after the position once, in order', async () => {
      const marker = randomUUID();
      const total = 120;
      const from = await feed.latest();
      const clients: { position: string; got: FeedEvent[] }[] = [];

      const join = (resumeAfter: string | undefined) => {
        const { client, got } = collector();
        const position = resumeAfter ?? hub.position;
        clients.push({ position, got });
        return resumeAfter === undefined
          ? hub.join(client)
          : hub.join(client, { after: resumeAfter, filter: {} });
      };

      const joins: Promise<void>[] = [];
      for (let index = 0; index < total; index += 1) {
        const aggregateId = `${marker}-${index}`;
        await database.sql.withTransaction((trx) =>
          recordEvent(trx, { type: 'user.registered', aggregateId, data: { userId: aggregateId } }),
        );
        if (index % 20 === 10) {
          joins.push(join(undefined));
          joins.push(join(from));
          joins.push(join(await feed.latest()));
        }
        await yieldNow();
      }
      await Promise.all(joins);

      await eventually('every event relayed', async () => {
        const relayed = await database.sql.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('aggregate_id', 'like', `${marker}-%`)
          .where('relay_seq', 'is not', null)
          .executeTakeFirstOrThrow();
        return Number(relayed.n) === total;
      });
      const all = await database.sql.db
        .selectFrom('outbox')
        .select([raw<string>`relay_seq::text`.as('seq')])
        .where('aggregate_id', 'like', `${marker}-%`)
        .orderBy('relay_seq')
        .execute();
      const last = all.at(-1)!.seq;
      await eventually('the hub read everything', () => BigInt(hub.position) >= BigInt(last));

      assert.equal(clients.length, 18);
      for (const { position, got } of clients) {
        const expected = all.map((row) => row.seq).filter((seq) => BigInt(seq) > BigInt(position));
        const received = got
          .filter((event) => event.aggregateId.startsWith(`${marker}-`))
          .map((event) => event.seq);
        assert.deepEqual(received, expected, `a client from position ${position}`);
      }
    });
  });
}

describe('a client that joins while the hub, with no one to tell, reads the latest position', () => {
  test('still gets every event after the position it joined at', async (t) => {
    const logger = silentLogger();
    const database = await ENGINES[0]!.open();
    t.after(() => database.close());
    const pubsub = createMemoryPubSub({ logger });
    t.after(() => pubsub.close());
    const feed = createFeed(database.sql);
    // The hub's read of the latest position is held open until the client has joined.
    let hold = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const reached = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const gated: Feed = {
      ...feed,
      async latest() {
        const at = await feed.latest();
        if (hold) {
          holding();
          await held;
        }
        return at;
      },
    };
    const hub = createRealtimeHub({ feed: gated, pubsub, logger, pollMs: 60_000 });
    await hub.start();
    t.after(() => hub.stop());

    const marker = randomUUID();
    for (const index of [0, 1]) {
      const aggregateId = `${marker}-${index}`;
      await database.sql.withTransaction((trx) =>
        recordEvent(trx, { type: 'user.registered', aggregateId, data: { userId: aggregateId } }),
      );
    }
    const relay = createOutboxRelay({
      sql: database.sql,
      enqueue: enqueueOn,
      logger,
      onRelayed: (seq) => {
        void pubsub.publish(RELAYED_CHANNEL, JSON.stringify({ seq }));
      },
    });
    hold = true;
    assert.equal(await relay.relayOnce(), 2);
    await reached;

    const { client, got } = collector();
    const position = hub.position;
    await hub.join(client);
    release();

    await eventually(
      'the hub passed both events on',
      () => got.filter((event) => event.aggregateId.startsWith(marker)).length === 2,
    );
    assert.deepEqual(
      got.map((event) => BigInt(event.seq) > BigInt(position)),
      [true, true],
    );
  });
});
