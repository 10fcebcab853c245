// The event streams (GET /api/v1/orders/{id}/events, /api/v1/admin/events)
// through the real service and real sockets: who may follow what, the
// first `ready` event, resuming after a dropped connection without losing
// an event, a position the outbox no longer has, heartbeats, and shutdown.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql as raw } from 'kysely';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { openEventStream } from '../support/realtime.ts';
import { openShop, type Shop } from '../support/shop.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';

describe('event streams', () => {
  let service: StartedService;
  let api: ApiClient;
  let shop: Shop;
  let admin: string;

  before(async () => {
    service = await startService({ env: { REALTIME_HEARTBEAT_MS: '200' } });
    api = apiClient(service.url);
    shop = await openShop(api, service.sql.db);
    admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
  });

  after(async () => {
    await service.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** The order's own events as the outbox numbered them, oldest first. */
  async function relayedEvents(orderId: string) {
    const rows = await service.sql.db
      .selectFrom('outbox')
      .select(['type', raw<string>`relay_seq::text`.as('seq')])
      .where('aggregate_id', '=', orderId)
      .where('type', 'like', 'order.%')
      .where('relay_seq', 'is not', null)
      .orderBy('relay_seq')
      .execute();
    return rows;
  }

  test('the owner follows the order; a dropped stream resumes without losing an event', async () => {
    const buyer = await shop.customer('streamer', 10_000);
    const productId = await shop.product(10, 1_000);
    const order = await shop.place(buyer, [{ productId, quantity: 1 }]);
    const url = `${service.url}/api/v1/orders/${order.id}/events`;

    const first = await openEventStream(url, bearer(buyer.token));
    assert.equal(first.status, 200);
    assert.match(first.headers['content-type'] ?? '', /^text\/event-stream/);
    assert.equal(first.headers['cache-control'], 'no-store');
    const ready = await first.until('the ready event', (event) => event.event === 'ready');
    assert.ok(ready.id !== undefined && /^\d+$/.test(ready.id));
    assert.ok(first.retries.length > 0, 'the stream says how soon to reconnect');

    await shop.act(buyer.token, order.id, 'pay');
    const paid = await first.until('order.paid', (event) => event.event === 'order.paid');
    assert.equal(paid.data.type, 'order.paid');
    assert.equal(paid.data.aggregateId, order.id);
    assert.equal(paid.data.seq, paid.id);

    // The connection drops; while it is down the order ships (and the flow settles it).
    first.close();
    await first.ended;
    const ship = await api.call(`/api/v1/orders/${order.id}/ship`, {
      method: 'POST',
      token: admin,
    });
    assert.equal(ship.status, 200);
    await eventually('order.shipped relayed', async () =>
      (await relayedEvents(order.id)).some((row) => row.type === 'order.shipped'),
    );

    const lastSeen = first.events.at(-1)!.id!;
    const second = await openEventStream(url, {
      ...bearer(buyer.token),
      'last-event-id': lastSeen,
    });
    assert.equal(second.status, 200);
    await second.until('order.shipped', (event) => event.event === 'order.shipped');
    assert.equal(
      second.events.find((event) => event.event === 'ready' || event.event === 'reset'),
      undefined,
      'a resumed stream starts with what was missed',
    );

    // Every event after the first stream's position arrived exactly once, in order.
    const expected = (await relayedEvents(order.id)).filter(
      (row) => BigInt(row.seq) > BigInt(ready.id!),
    );
    const received = [...first.events, ...second.events].filter((event) =>
      event.event.startsWith('order.'),
    );
    const upTo = received.at(-1)!.id!;
    assert.deepEqual(
      received.map((event) => [event.event, event.id]),
      expected.filter((row) => BigInt(row.seq) <= BigInt(upTo)).map((row) => [row.type, row.seq]),
    );
    second.close();
  });

  test('a position the outbox does not hold gets a reset event', async () => {
    const buyer = await shop.customer('resetter', 1_000);
    const order = await shop.place(buyer, [{ productId: await shop.product(1, 100), quantity: 1 }]);
    const stream = await openEventStream(`${service.url}/api/v1/orders/${order.id}/events`, {
      ...bearer(buyer.token),
      'last-event-id': '999999999',
    });
    const reset = await stream.until('a reset', () => true);
    assert.equal(reset.event, 'reset');
    assert.equal(reset.data.position, reset.id);
    stream.close();
  });

  test('heartbeats keep an idle stream alive', async () => {
    const stream = await openEventStream(`${service.url}/api/v1/admin/events`, bearer(admin));
    assert.equal(stream.status, 200);
    await eventually('two heartbeats', () => stream.comments.length >= 2);
    stream.close();
  });

  test('only the owner, staff, and signed-in callers; admin stream for staff only', async () => {
    const owner = await shop.customer('owner', 1_000);
    const other = await shop.customer('other', 1_000);
    const order = await shop.place(owner, [{ productId: await shop.product(1, 100), quantity: 1 }]);
    const url = `${service.url}/api/v1/orders/${order.id}/events`;

    const anonymous = await openEventStream(url);
    assert.equal(anonymous.status, 401);
    await anonymous.ended;

    const stranger = await openEventStream(url, bearer(other.token));
    assert.equal(stranger.status, 404);
    await stranger.ended;
    assert.equal((JSON.parse(stranger.body()) as { code: string }).code, 'ORDERS_NOT_FOUND');

    const staff = await openEventStream(url, bearer(admin));
    assert.equal(staff.status, 200);
    staff.close();

    const customerOnAdmin = await openEventStream(
      `${service.url}/api/v1/admin/events`,
      bearer(owner.token),
    );
    assert.equal(customerOnAdmin.status, 403);
    await customerOnAdmin.ended;
  });

  test('the admin stream carries every event, internal ones included', async () => {
    const stream = await openEventStream(`${service.url}/api/v1/admin/events`, bearer(admin));
    await stream.until('ready', (event) => event.event === 'ready');
    const buyer = await shop.customer('watched', 1_000);
    const order = await shop.place(buyer, [{ productId: await shop.product(3, 100), quantity: 1 }]);
    await stream.until('order.placed', (event) => event.data.aggregateId === order.id);
    await stream.until(
      'product.stock_changed',
      (event) => event.event === 'product.stock_changed' && event.data.aggregateId === order.id,
    );
    stream.close();
  });
});

describe('an event stream whose client stops reading', () => {
  test('is dropped once its unsent data passes the cap, and resumes without a gap', async () => {
    const { logger, records } = captureLogger('info');
    const service = await startService({ logger, env: { REALTIME_SEND_BUFFER_BYTES: '65536' } });
    try {
      const api = apiClient(service.url);
      const shop = await openShop(api, service.sql.db);
      const buyer = await shop.customer('slow-stream', 1_000);
      const order = await shop.place(buyer, [
        { productId: await shop.product(1, 100), quantity: 1 },
      ]);
      const url = `${service.url}/api/v1/orders/${order.id}/events`;
      const auth = { authorization: `Bearer ${buyer.token}` };
      const stream = await openEventStream(url, auth);
      await stream.until('ready', (event) => event.event === 'ready');
      stream.pause();

      // 24 MB of the order's events: more than the kernel's socket buffers hold.
      const count = 400;
      await raw`insert into outbox (type, aggregate_id, payload)
        select 'order.shipped', ${order.id}, jsonb_build_object('orderId', ${order.id}::text, 'pad', repeat('x', 60000))
        from generate_series(1, ${count})`.execute(service.sql.db);
      await eventually(
        'the server dropped the slow stream',
        () => records.some((record) => record.msg === 'event stream dropped: client too slow'),
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      stream.resume();
      await stream.ended;
      const got = stream.events.filter((event) => event.event === 'order.shipped');
      assert.ok(got.length < count, `only part arrived before the drop (${got.length})`);

      // The reconnect picks up where the dropped stream stopped.
      const lastSeen = stream.events.at(-1)!.id!;
      const again = await openEventStream(url, { ...auth, 'last-event-id': lastSeen });
      await eventually(
        'the rest',
        () =>
          got.length + again.events.filter((event) => event.event === 'order.shipped').length >=
          count,
        { timeoutMs: 60_000 },
      );
      const ids = [...got, ...again.events.filter((event) => event.event === 'order.shipped')].map(
        (event) => BigInt(event.id!),
      );
      assert.equal(new Set(ids).size, count, 'each event once');
      assert.ok(
        ids.every((id, index) => index === 0 || id > ids[index - 1]!),
        'in order',
      );

      // The metrics saw it: one stream connected now, one cut, every event sent.
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      const value = (series: string) =>
        Number(
          metrics
            .split('\n')
            .find((line) => line.startsWith(`${series} `))
            ?.slice(series.length + 1),
        );
      assert.equal(value('realtime_clients{transport="sse"}'), 1);
      assert.equal(value('realtime_slow_consumers_dropped_total{transport="sse"}'), 1);
      assert.ok(value('realtime_messages_sent_total{transport="sse"}') >= count);
      again.close();
    } finally {
      await service.close();
    }
  });
});

describe('event streams at shutdown', () => {
  test('open streams are told to reconnect and end within the grace period', async () => {
    const service = await startService();
    const api = apiClient(service.url);
    const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    const stream = await openEventStream(`${service.url}/api/v1/admin/events`, {
      authorization: `Bearer ${admin}`,
    });
    await stream.until('ready', (event) => event.event === 'ready');
    const retriesBefore = stream.retries.length;
    const started = Date.now();
    // A long grace: the stream must end because it was told to, not because it was cut.
    await service.close(20_000);
    await stream.ended;
    assert.ok(Date.now() - started < 15_000, 'drained, not cut at the end of the grace');
    assert.ok(stream.retries.length > retriesBefore, 'a retry field before the end');
  });
});
