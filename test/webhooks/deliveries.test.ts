// Webhook deliveries end to end on both engines (the postgres queue): the
// shared scenarios (suite.ts), then rotation — the old and the new secret
// both verify during the overlap, only the new one after it — and the
// deliveries that must not happen (disabled endpoints, redelivered events).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { WEBHOOKS_QUEUE } from '../../src/modules/webhooks/delivery.ts';
import { verifyWebhook } from '../../src/modules/webhooks/signing.ts';
import { eventually } from '../support/eventually.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { silentLogger } from '../support/start.ts';
import { startHarness, type Harness } from './harness.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { aboutOrder, deliverySuite } from './suite.ts';

for (const engine of ENGINES) {
  describe(`webhook deliveries on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let harness: Harness;
    let receiver: Receiver;

    before(async () => {
      database = await engine.open();
      harness = await startHarness(database.sql);
      receiver = await startReceiver();
    });

    after(async () => {
      await receiver.close();
      await harness.close();
      await database.close();
    });

    deliverySuite(
      () => ({ harness, receiver }),
      async () => {
        const queue = createPostgresQueue({ sql: database.sql, logger: silentLogger() });
        try {
          return await queue.listDead(WEBHOOKS_QUEUE);
        } finally {
          await queue.stop();
        }
      },
    );

    test('rotation: the old and the new secret verify during the overlap, the new one after', async () => {
      const rotating = `/rotating-${randomUUID().slice(0, 8)}`;
      const hook = await harness.register(`${receiver.url}${rotating}`, ['order.placed']);
      const rotate = await harness.api.call(`/api/v1/webhooks/endpoints/${hook.id}/rotate-secret`, {
        method: 'POST',
        token: harness.admin,
      });
      assert.equal(rotate.status, 200, await rotate.clone().text());
      const rotated = (await rotate.json()) as {
        secret: string;
        previousSecretExpiresAt: string;
      };
      assert.notEqual(rotated.secret, hook.secret);
      const overlapEnds = Date.parse(rotated.previousSecretExpiresAt) - Date.now();
      assert.ok(overlapEnds > 23 * 3600_000 && overlapEnds <= 24 * 3600_000, 'a 24 h overlap');

      // Neither the endpoint nor the list ever shows a secret again.
      const read = await harness.api.call(`/api/v1/webhooks/endpoints/${hook.id}`, {
        token: harness.admin,
      });
      const shown = await read.text();
      assert.ok(!shown.includes('whsec_') && !shown.includes('"secret"'), shown);
      const list = await harness.api.call('/api/v1/webhooks/endpoints', { token: harness.admin });
      assert.ok(!(await list.text()).includes('whsec_'));

      const buyer = await harness.customer();
      const during = await harness.placeOrder(buyer);
      await eventually(
        'the delivery during the overlap',
        () => receiver.received(rotating).some(aboutOrder(during)),
        { timeoutMs: 20_000 },
      );
      const overlapping = receiver.received(rotating).find(aboutOrder(during))!;
      assert.equal(String(overlapping.headers['webhook-signature']).split(' ').length, 2);
      for (const secret of [rotated.secret, hook.secret]) {
        const result = verifyWebhook({
          headers: overlapping.headers,
          body: overlapping.body,
          secrets: [secret],
        });
        assert.ok(
          result.ok,
          `verifies with ${secret === hook.secret ? 'the old' : 'the new'} secret`,
        );
      }

      // The overlap ends: only the new secret signs.
      await database.sql.db
        .updateTable('webhook_endpoints')
        .set({ previous_secret_expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', hook.id)
        .execute();
      const afterwards = await harness.placeOrder(buyer);
      await eventually(
        'the delivery after the overlap',
        () => receiver.received(rotating).some(aboutOrder(afterwards)),
        { timeoutMs: 20_000 },
      );
      const single = receiver.received(rotating).find(aboutOrder(afterwards))!;
      assert.equal(String(single.headers['webhook-signature']).split(' ').length, 1);
      const input = { headers: single.headers, body: single.body };
      assert.ok(verifyWebhook({ ...input, secrets: [rotated.secret] }).ok);
      assert.deepEqual(verifyWebhook({ ...input, secrets: [hook.secret] }), {
        ok: false,
        reason: 'no_matching_signature',
      });
    });

    test('a disabled endpoint gets no deliveries; a redelivered event adds none', async () => {
      const quiet = `/quiet-${randomUUID().slice(0, 8)}`;
      const loud = `/loud-${randomUUID().slice(0, 8)}`;
      const off = await harness.register(`${receiver.url}${quiet}`, ['order.placed']);
      const on = await harness.register(`${receiver.url}${loud}`, ['order.placed']);
      const disable = await harness.api.call(`/api/v1/webhooks/endpoints/${off.id}`, {
        method: 'PATCH',
        token: harness.admin,
        json: { enabled: false },
      });
      assert.equal(disable.status, 200, await disable.clone().text());
      assert.equal(((await disable.json()) as { version: number }).version, 2);

      const orderId = await harness.placeOrder(await harness.customer());
      const delivered = await harness.waitForDelivery(on.id, (d) => d.status === 'succeeded');
      assert.deepEqual(await harness.deliveriesOf(off.id), []);
      assert.equal(receiver.received(quiet).length, 0);

      // The event handled again (at-least-once): the unique delivery row holds.
      const event = await database.sql.db
        .selectFrom('outbox')
        .select('id')
        .where('aggregate_id', '=', orderId)
        .where('type', '=', 'order.placed')
        .executeTakeFirstOrThrow();
      await database.sql.db
        .updateTable('outbox')
        .set({ relayed_at: null })
        .where('id', '=', event.id)
        .execute();
      // The relay's job for the event is keyed by its id: remove the first so it runs again.
      await database.sql.db
        .deleteFrom('jobs')
        .where('queue', '=', 'events.deliver')
        .where('idempotency_key', '=', event.id)
        .execute();
      await eventually(
        'the event was relayed again',
        async () => {
          const row = await database.sql.db
            .selectFrom('jobs')
            .select('state')
            .where('queue', '=', 'events.deliver')
            .where('idempotency_key', '=', event.id)
            .executeTakeFirst();
          return row?.state === 'completed';
        },
        { timeoutMs: 20_000 },
      );
      const deliveries = await harness.deliveriesOf(on.id);
      assert.deepEqual(
        deliveries.map((d) => d.id),
        [delivered.id],
      );
      assert.equal(receiver.received(loud).length, 1);
    });
  });
}
