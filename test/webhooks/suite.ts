// The delivery scenarios every queue backend must pass (deliveries.test.ts
// runs them on the postgres queue on both engines, bullmq.test.ts on BullMQ):
// signed deliveries of the subscribed types only; retries logged attempt by
// attempt; a dead delivery, its dead letter, and a replay that delivers it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { verifyWebhook } from '../../src/modules/webhooks/signing.ts';
import { eventually } from '../support/eventually.ts';
import type { DeadJob } from '../../src/ports/queue.ts';
import { problemCode } from '../support/api.ts';
import { readDelivery, type DeliveryBody, type DeliveryView, type Harness } from './harness.ts';
import type { Receiver, Received } from './receiver.ts';

export const bodyOf = (request: Received) => JSON.parse(request.body) as DeliveryBody;
export const aboutOrder = (orderId: string) => (request: Received) =>
  bodyOf(request).data.orderId === orderId;

/** The suite, shared by the queue backends: `deadLetters` reads the queue's dead letters. */
export function deliverySuite(
  context: () => { harness: Harness; receiver: Receiver },
  deadLetters: () => Promise<DeadJob[]>,
): void {
  const path = (name: string) => `/${name}-${randomUUID().slice(0, 8)}`;

  test('signed deliveries of the subscribed types, and none for other subscriptions', async () => {
    const { harness, receiver } = context();
    const orders = path('orders');
    const users = path('users');
    const ordersHook = await harness.register(`${receiver.url}${orders}`, [
      'order.placed',
      'order.paid',
    ]);
    const usersHook = await harness.register(`${receiver.url}${users}`, ['user.registered']);
    assert.match(ordersHook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);

    const buyer = await harness.customer();
    const orderId = await harness.placeOrder(buyer);
    await harness.pay(buyer, orderId);
    await eventually(
      'both order events arrived',
      () => receiver.received(orders).filter(aboutOrder(orderId)).length >= 2,
      { timeoutMs: 20_000 },
    );
    const arrived = receiver.received(orders);
    assert.deepEqual(arrived.map((request) => bodyOf(request).type).sort(), [
      'order.paid',
      'order.placed',
    ]);
    const ids = new Set<string>();
    for (const request of arrived) {
      const verified = verifyWebhook({
        headers: request.headers,
        body: request.body,
        secrets: [ordersHook.secret],
      });
      assert.ok(verified.ok, JSON.stringify(verified));
      const body = bodyOf(request);
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(verified.id, body.id);
      assert.equal(request.headers['webhook-id'], body.id);
      assert.ok(Math.abs(verified.timestamp.getTime() - request.at.getTime()) < 60_000);
      assert.match(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      assert.deepEqual(body.data, { orderId, userId: buyer.id });
      ids.add(body.id);
      // Another endpoint's secret does not verify it.
      assert.deepEqual(
        verifyWebhook({
          headers: request.headers,
          body: request.body,
          secrets: [usersHook.secret],
        }),
        { ok: false, reason: 'no_matching_signature' },
      );
    }
    assert.equal(ids.size, 2, 'every event has its own webhook-id');

    // Marked succeeded once the receiver's answer is in: a moment after it arrived.
    let logged: DeliveryView[] = [];
    await eventually('both deliveries are logged as succeeded', async () => {
      logged = await harness.deliveriesOf(ordersHook.id, '&status=succeeded');
      return logged.length === 2;
    });
    assert.deepEqual(logged.map((delivery) => delivery.eventType).sort(), [
      'order.paid',
      'order.placed',
    ]);
    // The same fan-out transaction that made those considered the users endpoint too.
    const forUsers = await harness.deliveriesOf(usersHook.id);
    assert.deepEqual(
      forUsers.map((delivery) => delivery.eventType),
      forUsers.map(() => 'user.registered'),
    );
    assert.ok(
      receiver.received(users).every((request) => bodyOf(request).type === 'user.registered'),
    );
    assert.ok(!arrived.some((request) => bodyOf(request).type === 'user.registered'));
  });

  test('500, 500, then 200: three attempts in the log, and succeeded', async () => {
    const { harness, receiver } = context();
    const flaky = path('flaky');
    receiver.on(flaky, (n) => (n <= 2 ? 500 : 200));
    const hook = await harness.register(`${receiver.url}${flaky}`, ['order.placed']);
    const orderId = await harness.placeOrder(await harness.customer());

    const done = await harness.waitForDelivery(hook.id, (d) => d.status === 'succeeded');
    const delivery = await readDelivery(harness, done.id);
    assert.equal(delivery.attempts, 3);
    assert.equal(delivery.lastStatusCode, 200);
    assert.equal(delivery.lastError, null);
    assert.equal(delivery.nextAttemptAt, null);
    assert.deepEqual(
      delivery.attemptLog!.map((a) => [a.attempt, a.statusCode, a.outcome]),
      [
        [1, 500, 'response'],
        [2, 500, 'response'],
        [3, 200, 'response'],
      ],
    );
    const requests = receiver.received(flaky);
    assert.equal(requests.length, 3);
    assert.ok(requests.every(aboutOrder(orderId)));
    // Retries keep the webhook-id, so the receiver can tell them apart from new events.
    assert.deepEqual(
      new Set(requests.map((request) => request.headers['webhook-id'])),
      new Set([delivery.eventId]),
    );
  });

  test('a receiver that always fails: dead after the last attempt, then replayed', async () => {
    const { harness, receiver } = context();
    const broken = path('broken');
    let healthy = false;
    receiver.on(broken, () => (healthy ? 204 : 503));
    const hook = await harness.register(`${receiver.url}${broken}`, ['order.placed']);
    await harness.placeOrder(await harness.customer());

    const dead = await harness.waitForDelivery(hook.id, (d) => d.status === 'dead');
    assert.equal(dead.attempts, 3);
    assert.equal(dead.lastStatusCode, 503);
    assert.equal(dead.nextAttemptAt, null);
    assert.match(dead.lastError ?? '', /503/);
    const listed = await harness.deliveriesOf(hook.id, '&status=dead');
    assert.deepEqual(
      listed.map((d) => d.id),
      [dead.id],
    );
    let letters: DeadJob[] = [];
    await eventually('the job is a dead letter', async () => {
      letters = (await deadLetters()).filter(
        (letter) => (letter.payload as { deliveryId?: string }).deliveryId === dead.id,
      );
      return letters.length === 1;
    });
    assert.equal(letters[0]!.attempts, 3);

    healthy = true;
    const replay = await harness.api.call(`/api/v1/webhooks/deliveries/${dead.id}/replay`, {
      method: 'POST',
      token: harness.admin,
    });
    assert.equal(replay.status, 202, await replay.clone().text());
    assert.equal(((await replay.json()) as DeliveryView).status, 'pending');
    await harness.waitForDelivery(hook.id, (d) => d.id === dead.id && d.status === 'succeeded');
    const delivered = await readDelivery(harness, dead.id);
    assert.equal(delivered.attempts, 4, 'attempts count on across the replay');
    assert.deepEqual(
      delivered.attemptLog!.map((a) => a.statusCode),
      [503, 503, 503, 204],
    );
    assert.equal(receiver.received(broken).length, 4);

    const again = await harness.api.call(`/api/v1/webhooks/deliveries/${dead.id}/replay`, {
      method: 'POST',
      token: harness.admin,
    });
    assert.equal(again.status, 409);
    assert.equal(await problemCode(again), 'WEBHOOKS_NOT_REPLAYABLE');
    const unknown = await harness.api.call('/api/v1/webhooks/deliveries/999999999/replay', {
      method: 'POST',
      token: harness.admin,
    });
    assert.equal(unknown.status, 404);
    assert.equal(await problemCode(unknown), 'WEBHOOKS_DELIVERY_NOT_FOUND');
  });
}
