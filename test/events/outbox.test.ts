// The transactional outbox and its relay (src/modules/events/), on both
// engines: an event exists exactly when its transaction committed, the relay
// hands each event to the queue once even with two relays at work or after a
// pass that failed half-way, a commit that recorded an event wakes the relay
// at once, and the real service turns a registration into
// a verification mail and a payment into a receipt (a step of the
// order-complete flow).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import type { StoredMail } from '../../src/ports/mailer.ts';
import { createPostgresQueue, enqueueOn } from '../../src/adapters/queue/postgres.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { EVENTS_QUEUE, recordEvent, type DomainEvent } from '../../src/modules/events/outbox.ts';
import { createOutboxRelay, type EnqueueWithin } from '../../src/modules/events/relay.ts';
import { onEventsCommitted } from '../../src/modules/events/committed.ts';
import { apiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { silentLogger, startService } from '../support/start.ts';
import { eventually } from '../support/eventually.ts';

const PASSWORD = 'correct horse battery staple';

for (const engine of ENGINES) {
  describe(`the outbox on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;

    before(async () => {
      database = await engine.open();
    });

    after(async () => {
      await database.close();
    });

    const eventsAbout = (aggregateId: string) =>
      database.sql.db
        .selectFrom('outbox')
        .selectAll()
        .where('aggregate_id', '=', aggregateId)
        .execute();

    const jobsFor = (eventIds: readonly string[]) =>
      database.sql.db
        .selectFrom('jobs')
        .select(['idempotency_key', 'payload'])
        .where('queue', '=', EVENTS_QUEUE)
        .where('idempotency_key', 'in', eventIds)
        .execute();

    /** `count` events recorded and committed, one transaction each; their ids. */
    async function recordMany(count: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const userId = `relay-${randomUUID()}`;
        ids.push(
          await database.sql.withTransaction((trx) =>
            recordEvent(trx, { type: 'user.registered', aggregateId: userId, data: { userId } }),
          ),
        );
      }
      return ids;
    }

    test('an event is written with its transaction: none after a rollback, one after a commit', async () => {
      const rolledBack = `rollback-${randomUUID()}`;
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await recordEvent(trx, {
            type: 'order.placed',
            aggregateId: rolledBack,
            data: { orderId: rolledBack, userId: '1' },
          });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      assert.deepEqual(await eventsAbout(rolledBack), []);

      const committed = `commit-${randomUUID()}`;
      const id = await database.sql.withTransaction((trx) =>
        recordEvent(trx, {
          type: 'order.placed',
          aggregateId: committed,
          data: { orderId: committed, userId: '1' },
        }),
      );
      const rows = await eventsAbout(committed);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.id, id);
      assert.equal(rows[0]!.type, 'order.placed');
      assert.deepEqual(rows[0]!.payload, { orderId: committed, userId: '1' });
      assert.equal(rows[0]!.relayed_at, null);
    });

    test('a commit that recorded an event wakes the relay at once; a rollback does not', async () => {
      let signals = 0;
      const stopCounting = onEventsCommitted(() => {
        signals += 1;
      });
      // A poll far beyond the test's patience: only the wake-up can relay in time.
      const relay = createOutboxRelay({
        sql: database.sql,
        enqueue: enqueueOn,
        logger: silentLogger(),
        intervalMs: 600_000,
      });
      const stopWaking = onEventsCommitted(() => {
        relay.wake();
      });
      const unrelayed = async () =>
        (
          await database.sql.db
            .selectFrom('outbox')
            .select('id')
            .where('relayed_at', 'is', null)
            .execute()
        ).length;
      try {
        relay.start();
        // The first pass drains what earlier tests left; then the relay sleeps.
        await eventually('the first pass', async () =>
          (await unrelayed()) === 0 ? true : undefined,
        );
        signals = 0;
        const aggregateId = `wake-${randomUUID()}`;
        await assert.rejects(
          database.sql.withTransaction(async (trx) => {
            await recordEvent(trx, { type: 'user.registered', aggregateId, data: { userId: '1' } });
            throw new Error('rolled back');
          }),
        );
        assert.equal(signals, 0, 'no signal for a rolled-back event');
        await database.sql.withTransaction((trx) =>
          recordEvent(trx, { type: 'user.registered', aggregateId, data: { userId: '1' } }),
        );
        assert.equal(signals, 1, 'one signal, as the commit returns');
        await eventually(
          'the event relayed long before the next poll',
          async () => (await eventsAbout(aggregateId))[0]?.relayed_at ?? undefined,
          { timeoutMs: 10_000 },
        );
      } finally {
        stopWaking();
        stopCounting();
        await relay.stop();
      }
    });

    test('two relays at once enqueue each event once, and each job is handled once', async () => {
      const ids = await recordMany(25);
      const relays = [1, 2].map(() =>
        createOutboxRelay({
          sql: database.sql,
          enqueue: enqueueOn,
          logger: silentLogger(),
          batchSize: 4,
        }),
      );
      // Each relay drains until a pass finds nothing left.
      const relayed = await Promise.all(
        relays.map(async (relay) => {
          let total = 0;
          for (let n = await relay.relayOnce(); n > 0; n = await relay.relayOnce()) total += n;
          return total;
        }),
      );
      assert.ok(relayed[0]! + relayed[1]! >= ids.length);

      const jobs = await jobsFor(ids);
      assert.deepEqual(jobs.map((job) => job.idempotency_key).sort(), [...ids].sort());
      const unrelayed = await database.sql.db
        .selectFrom('outbox')
        .select('id')
        .where('id', 'in', ids)
        .where('relayed_at', 'is', null)
        .execute();
      assert.deepEqual(unrelayed, []);
      const event = jobs[0]!.payload as DomainEvent<'user.registered'>;
      assert.equal(event.type, 'user.registered');
      assert.match(event.occurredAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

      const handled = new Map<string, number>();
      const queue = createPostgresQueue({
        sql: database.sql,
        logger: silentLogger(),
        pollIntervalMs: 20,
      });
      try {
        queue.process(
          EVENTS_QUEUE,
          (job) => {
            const { id } = job.payload as unknown as DomainEvent;
            handled.set(id, (handled.get(id) ?? 0) + 1);
            return Promise.resolve();
          },
          { concurrency: 4 },
        );
        await eventually(
          'every event handled',
          () => Promise.resolve(ids.filter((id) => handled.has(id)).length),
          { until: (count) => count === ids.length },
        );
      } finally {
        await queue.stop();
      }
      assert.deepEqual(
        ids.map((id) => handled.get(id)),
        ids.map(() => 1),
      );
    });

    test('a pass that fails half-way enqueues nothing; the next one relays every event once', async () => {
      const ids = await recordMany(3);
      let calls = 0;
      const failing: EnqueueWithin = async (trx, name, payload, options) => {
        calls += 1;
        if (calls === 2) throw new Error('the relay died');
        return enqueueOn(trx, name, payload, options);
      };
      const broken = createOutboxRelay({
        sql: database.sql,
        enqueue: failing,
        logger: silentLogger(),
      });
      await assert.rejects(broken.relayOnce(), /the relay died/);
      assert.deepEqual(await jobsFor(ids), [], 'the job written before the failure rolled back');

      const healthy = createOutboxRelay({
        sql: database.sql,
        enqueue: enqueueOn,
        logger: silentLogger(),
      });
      while ((await healthy.relayOnce()) > 0);
      assert.equal((await jobsFor(ids)).length, ids.length);
      // Relaying again (a crash after enqueueing, before marking) adds nothing.
      for (const id of ids) {
        await database.sql.withTransaction((trx) =>
          enqueueOn(trx, EVENTS_QUEUE, { id }, { idempotencyKey: id }),
        );
      }
      assert.equal((await jobsFor(ids)).length, ids.length);
    });

    test('registration mails the verification link, and paying an order mails a receipt', async () => {
      const service = await startService({ sql: database.sql });
      try {
        const api = apiClient(service.url);
        const mailsTo = async (to: string): Promise<StoredMail[]> =>
          (await listOutbox(join(service.dataDir, 'mail'))).filter((mail) => mail.to === to);

        const email = `events-${randomUUID().slice(0, 8)}@example.com`;
        const user = await api.register(email, PASSWORD);
        const [verification] = await eventually('the welcome mail', () => mailsTo(email), {
          until: (mails) => mails.length > 0,
        });
        assert.equal(verification?.subject, 'Welcome to Throughline');
        const registered = await eventsAbout(user.id);
        assert.deepEqual(
          registered.map((row) => row.type),
          ['user.registered'],
        );
        assert.notEqual(registered[0]!.relayed_at, null);

        const admin = await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
        const credit = await api.call(`/api/v1/admin/wallets/${user.id}/credits`, {
          method: 'POST',
          token: admin.accessToken,
          json: { amount: { amount: 10_000, currency: 'EUR' } },
          headers: { 'idempotency-key': randomUUID() },
        });
        assert.equal(credit.status, 201, await credit.clone().text());
        const productId = '42';
        await database.sql.db
          .updateTable('products')
          .set({ stock: 10, price_amount: 1250, title: 'Mugs <b>& "cups"</b>' })
          .where('id', '=', productId)
          .execute();
        const { accessToken } = await api.login(email, PASSWORD);
        const placed = await api.call('/api/v1/orders', {
          method: 'POST',
          token: accessToken,
          json: { items: [{ productId, quantity: 2 }] },
          headers: { 'idempotency-key': randomUUID() },
        });
        assert.equal(placed.status, 201, await placed.clone().text());
        const order = (await placed.json()) as { id: string };
        const paid = await api.call(`/api/v1/orders/${order.id}/pay`, {
          method: 'POST',
          token: accessToken,
        });
        assert.equal(paid.status, 200, await paid.clone().text());

        const receipt = (
          await eventually('the receipt', () => mailsTo(email), {
            until: (mails) => mails.some((mail) => mail.subject.startsWith('Receipt')),
          })
        ).find((mail) => mail.subject.startsWith('Receipt'))!;
        assert.equal(receipt.subject, `Receipt for order ${order.id}`);
        assert.match(receipt.text, /2 × Mugs <b>& "cups"<\/b>: €25\.00/);
        assert.match(receipt.text, /Total: €25\.00/);
        assert.ok(
          receipt.text.includes(`/orders/${order.id}`),
          'the call to action: the order page',
        );
        assert.ok(receipt.html?.includes('Mugs &lt;b&gt;&amp; &quot;cups&quot;&lt;/b&gt;'));
        assert.ok(!receipt.html?.includes('<b>&'));
        // The receipt is one step of the order-complete flow; the flow ends settled.
        const settled = await eventually(
          'the order settled',
          async () => (await eventsAbout(order.id)).map((row) => row.type).sort(),
          { until: (types) => types.includes('order.settled') },
        );
        // Placing reserved stock: the order is the aggregate of that event too.
        assert.deepEqual(settled, [
          'order.paid',
          'order.placed',
          'order.settled',
          'product.stock_changed',
        ]);

        const cancelled = await api.call(`/api/v1/orders/${order.id}/cancel`, {
          method: 'POST',
          token: accessToken,
        });
        assert.equal(cancelled.status, 200, await cancelled.clone().text());
        assert.deepEqual((await eventsAbout(order.id)).map((row) => row.type).sort(), [
          'order.cancelled',
          'order.paid',
          'order.placed',
          'order.settled',
          'product.stock_changed',
          'product.stock_changed',
        ]);
      } finally {
        await service.close();
      }
    });
  });
}
