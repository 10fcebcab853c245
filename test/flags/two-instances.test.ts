// Feature flags across two instances sharing one database and one pub/sub:
// a change made through one (the kill switch) is what the other evaluates
// within a second — announced over pub/sub, not waiting for the periodic
// reload (set to an hour here). On PGlite with the in-process pub/sub
// always; on PostgreSQL with Redis pub/sub (each instance on connections of
// its own) when DATABASE_URL and REDIS_URL are set.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMemoryPubSub } from '../../src/adapters/pubsub/memory.ts';
import { createRedisPubSub } from '../../src/adapters/pubsub/redis.ts';
import { createFeatureFlags, type FeatureFlags } from '../../src/modules/flags/feature-flags.ts';
import { createFlagsAdmin, type FlagsAdmin } from '../../src/modules/flags/service.ts';
import { createAudit } from '../../src/modules/audit/module.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import type { PubSub } from '../../src/ports/pubsub.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import { openConnection, redisSkip, uniquePrefix } from '../support/redis.ts';
import { silentLogger } from '../support/start.ts';

interface Backend {
  readonly name: string;
  readonly engine: (typeof ENGINES)[number];
  readonly skip: string | false;
  /** One pub/sub per instance, all on the same bus. */
  openBus(): { open(): Promise<PubSub>; close(): Promise<void> };
}

const pglite = ENGINES.find((engine) => engine.name === 'pglite')!;
const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

const BACKENDS: Backend[] = [
  {
    name: 'PGlite, in-process pub/sub',
    engine: pglite,
    skip: false,
    openBus() {
      const shared = createMemoryPubSub({ logger: silentLogger() });
      return { open: () => Promise.resolve(shared), close: () => shared.close() };
    },
  },
  {
    name: 'PostgreSQL, Redis pub/sub',
    engine: postgres,
    skip: postgres.skip || redisSkip,
    openBus() {
      const channelPrefix = uniquePrefix();
      const closers: (() => Promise<void>)[] = [];
      return {
        async open() {
          const publisher = await openConnection({ name: 'flags-publisher' });
          const subscriber = await openConnection({ name: 'flags-subscriber' });
          const pubsub = createRedisPubSub({
            publisher,
            subscriber,
            channelPrefix,
            logger: silentLogger(),
          });
          closers.push(async () => {
            await pubsub.close();
            await Promise.all([publisher.close(), subscriber.close()]);
          });
          return pubsub;
        },
        async close() {
          await Promise.all(closers.map((close) => close()));
        },
      };
    },
  },
];

const ADMIN = { id: '1', ip: '127.0.0.1' };

for (const backend of BACKENDS) {
  describe(`feature flags on two instances: ${backend.name}`, { skip: backend.skip }, () => {
    let database: EngineDatabase;
    let bus: ReturnType<Backend['openBus']>;
    const lifecycles: Lifecycle[] = [];
    let a: FeatureFlags;
    let b: FeatureFlags;
    let admin: FlagsAdmin;

    before(async () => {
      database = await backend.engine.open();
      bus = backend.openBus();
      const open = async () => {
        const lifecycle = new Lifecycle(silentLogger());
        lifecycles.push(lifecycle);
        const flags = createFeatureFlags({
          sql: database.sql,
          pubsub: await bus.open(),
          logger: silentLogger(),
          lifecycle,
          // An hour: only the announcement can bring a change in time.
          refreshMs: 3_600_000,
        });
        await flags.store.start();
        return flags;
      };
      a = await open();
      b = await open();
      admin = createFlagsAdmin({
        sql: database.sql,
        audit: createAudit(database.sql).sink,
        store: a.store,
      });
    });

    after(async () => {
      for (const lifecycle of lifecycles) await lifecycle.stop('test over');
      await bus.close();
      await database.close();
    });

    test('a user gets the same variant from both instances', async () => {
      await admin.create(ADMIN, {
        key: 'both.same',
        description: '',
        kind: 'multivariate',
        variants: { red: 'red', green: 'green', blue: 'blue' },
        defaultVariant: 'red',
        offVariant: 'red',
        rules: [],
        rollout: [
          { variant: 'green', percent: 40 },
          { variant: 'blue', percent: 40 },
        ],
        killed: false,
      });
      await eventually('b has the flag', () => b.store.get('both.same') !== undefined);
      for (let id = 1; id <= 300; id += 1) {
        const context = { targetingKey: String(id) };
        assert.equal(
          await a.client.getStringValue('both.same', 'none', context),
          await b.client.getStringValue('both.same', 'none', context),
        );
      }
    });

    test('the kill switch thrown on one instance holds on the other within a second', async (t) => {
      await admin.create(ADMIN, {
        key: 'checkout.risky',
        description: 'a change under watch',
        kind: 'boolean',
        variants: { on: true, off: false },
        defaultVariant: 'off',
        offVariant: 'off',
        rules: [{ variant: 'on', roles: ['customer'] }],
        rollout: [{ variant: 'on', percent: 100 }],
        killed: false,
      });
      const customer = { targetingKey: '5', role: 'customer' };
      await eventually('b serves the flag on', () =>
        b.client.getBooleanValue('checkout.risky', false, customer),
      );
      const thrown = performance.now();
      await admin.update(ADMIN, 'checkout.risky', { killed: true });
      // The periodic reload is an hour away: only the announcement can pass
      // this. The requirement is under a second (printed below: 20–250 ms,
      // also with two CPU burners on two cores). The deadline stays looser:
      // both instances share this test process, its event loop and its
      // PGlite, so a stall here is the test's, not the path's; the two-process
      // check over Redis (test/scaling/two-instances.test.ts) holds 1 s.
      await eventually(
        'b serves the flag off',
        async () => !(await b.client.getBooleanValue('checkout.risky', true, customer)),
        { timeoutMs: 3_000, intervalMs: 5 },
      );
      const tookMs = performance.now() - thrown;
      t.diagnostic(`kill switch seen on the second instance after ${tookMs.toFixed(1)} ms`);
      const details = await b.client.getBooleanDetails('checkout.risky', true, customer);
      assert.equal(details.reason, 'DISABLED');
    });

    test('a deleted flag answers the caller’s default on both', async () => {
      await admin.remove(ADMIN, 'both.same');
      await eventually('b forgot the flag', () => b.store.get('both.same') === undefined, {
        timeoutMs: 1_000,
      });
      assert.equal(
        await b.client.getStringValue('both.same', 'none', { targetingKey: '1' }),
        'none',
      );
    });
  });
}
