// The WebSocket endpoint through the real service and real sockets: upgrades
// refused with an HTTP status before any handshake (no credential, a foreign
// Origin), authorization per channel, events on the channels followed, and
// the limits: malformed and binary messages, oversized ones (1009), floods
// (1008), and a client that stops reading (cut, not buffered for).

import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import { sql as raw } from 'kysely';
import { WebSocket } from 'ws';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { openSocket, type TestSocket } from '../support/realtime.ts';
import { openShop, type Customer, type Shop } from '../support/shop.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';

const SOCKET = '/api/v1/realtime/socket';

describe('the realtime socket', () => {
  let service: StartedService;
  let api: ApiClient;
  let shop: Shop;
  let admin: string;
  let url: string;
  const { logger, records } = captureLogger('info');

  before(async () => {
    service = await startService({
      logger,
      env: { REALTIME_SEND_BUFFER_BYTES: '65536', REALTIME_MESSAGES_PER_SECOND: '5' },
    });
    api = apiClient(service.url);
    shop = await openShop(api, service.sql.db);
    admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
    url = `${service.url}${SOCKET}`;
  });

  after(async () => {
    await service.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function refused(
    headers: Record<string, string>,
  ): Promise<{ status: number; code: string }> {
    const error = (await openSocket(url, headers).then(
      (socket) => {
        socket.ws.terminate();
        assert.fail('the upgrade was accepted');
      },
      (reason: unknown) => reason,
    )) as { status: number; body: string };
    return { status: error.status, code: (JSON.parse(error.body) as { code: string }).code };
  }

  async function subscribed(socket: TestSocket, channel: string) {
    socket.send({ type: 'subscribe', channel });
    return socket.until(
      `an answer for ${channel}`,
      (message) =>
        (message.type === 'subscribed' || message.type === 'error') && message.channel === channel,
    );
  }

  test('upgrades without a credential, or from a foreign origin, are refused before the handshake', async () => {
    assert.deepEqual(await refused({}), { status: 401, code: 'HTTP_UNAUTHENTICATED' });
    assert.equal((await refused({ authorization: 'Bearer not-a-token' })).status, 401);

    const signIn = await api.call('/api/v1/auth/session', {
      method: 'POST',
      json: DEMO_ACCOUNTS.customer,
      headers: { origin: service.url },
    });
    assert.equal(signIn.status, 201);
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.deepEqual(await refused({ cookie, origin: 'https://evil.example' }), {
      status: 403,
      code: 'REALTIME_ORIGIN_REFUSED',
    });
    // The ws client sends no Origin of its own: a cookie alone is refused.
    assert.equal((await refused({ cookie })).code, 'REALTIME_ORIGIN_REFUSED');

    const sameOrigin = await openSocket(url, { cookie, origin: service.url });
    await sameOrigin.until('welcome', (message) => message.type === 'welcome');
    sameOrigin.ws.close();

    // Not an upgrade at all.
    const plain = await api.call(SOCKET, { token: admin });
    assert.equal(plain.status, 426);
    assert.equal(((await plain.json()) as { code: string }).code, 'REALTIME_UPGRADE_REQUIRED');
  });

  test('channels are authorized one by one, and carry their events', async () => {
    const owner = await shop.customer('socket-owner', 10_000);
    const other = await shop.customer('socket-other', 1_000);
    const productId = await shop.product(10, 1_000);
    const order = await shop.place(owner, [{ productId, quantity: 1 }]);
    const othersOrder = await shop.place(other, [{ productId, quantity: 1 }]);

    const socket = await openSocket(url, bearer(owner.token));
    const welcome = await socket.until('welcome', (message) => message.type === 'welcome');
    assert.equal(welcome.maxMessageBytes, 4096);

    assert.equal((await subscribed(socket, `order:${order.id}`)).type, 'subscribed');
    const foreign = await subscribed(socket, `order:${othersOrder.id}`);
    assert.equal(foreign.code, 'REALTIME_CHANNEL_NOT_FOUND');
    assert.equal((await subscribed(socket, 'admin')).code, 'REALTIME_CHANNEL_FORBIDDEN');
    assert.equal((await subscribed(socket, 'orders:everything')).code, 'REALTIME_CHANNEL_UNKNOWN');
    assert.equal((await subscribed(socket, `product-stock:${productId}`)).type, 'subscribed');

    await shop.act(owner.token, order.id, 'pay');
    const paid = await socket.until(
      'order.paid',
      (message) =>
        message.type === 'event' && (message.event as { type: string }).type === 'order.paid',
    );
    assert.equal(paid.channel, `order:${order.id}`);

    // Someone else's order moves the stock of the product followed, not their order's events.
    await shop.act(other.token, othersOrder.id, 'cancel');
    await socket.until(
      'the stock change',
      (message) =>
        message.type === 'event' &&
        message.channel === `product-stock:${productId}` &&
        (message.event as { type: string }).type === 'product.stock_changed',
    );
    assert.ok(
      !socket.messages.some(
        (message) =>
          message.type === 'event' &&
          (message.event as { aggregateId: string; type: string }).aggregateId === othersOrder.id &&
          (message.event as { type: string }).type.startsWith('order.'),
      ),
      'no event of an order not followed',
    );

    socket.send({ type: 'unsubscribe', channel: `order:${order.id}` });
    await socket.until('unsubscribed', (message) => message.type === 'unsubscribed');
    socket.ws.close();
    assert.equal((await socket.closed).code, 1005);
  });

  test('malformed messages are answered; binary, oversized and floods close the socket', async () => {
    const socket = await openSocket(url, bearer(admin));
    socket.send('{not json');
    const bad = await socket.until('an error', (message) => message.type === 'error');
    assert.equal(bad.code, 'REALTIME_BAD_MESSAGE');
    socket.send({ type: 'subscribe' });
    await eventually(
      'a second error',
      () => socket.messages.filter((message) => message.type === 'error').length === 2,
    );
    socket.send({ type: 'ping' });
    await socket.until('pong', (message) => message.type === 'pong');
    socket.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await socket.closed).code, 1003);

    const big = await openSocket(url, bearer(admin));
    big.send({ type: 'subscribe', channel: 'x'.repeat(5000) });
    assert.equal((await big.closed).code, 1009);

    const flood = await openSocket(url, bearer(admin));
    for (let index = 0; index < 50; index += 1) flood.send({ type: 'ping' });
    const closed = await flood.closed;
    assert.equal(closed.code, 1008);
    assert.ok(
      flood.messages.filter((message) => message.type === 'pong').length <= 10,
      'no more than the burst was answered',
    );
  });

  test('a client that stops reading is cut once its unsent data passes the cap', async () => {
    const buyer: Customer = await shop.customer('slow-reader', 1_000);
    const order = await shop.place(buyer, [{ productId: await shop.product(1, 100), quantity: 1 }]);
    const socket = await openSocket(url, bearer(buyer.token));
    assert.equal((await subscribed(socket, `order:${order.id}`)).type, 'subscribed');
    socket.ws.pause();

    // 24 MB of the order's events: more than the kernel's socket buffers hold.
    const count = 400;
    await raw`insert into outbox (type, aggregate_id, payload)
      select 'order.shipped', ${order.id}, jsonb_build_object('orderId', ${order.id}::text, 'pad', repeat('x', 60000))
      from generate_series(1, ${count})`.execute(service.sql.db);

    await eventually(
      'the server cut the slow client',
      () =>
        records.some(
          (record) =>
            record.msg === 'socket cut' && String(record.why).startsWith('send buffer full'),
        ),
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    socket.ws.resume();
    const closed = await socket.closed;
    assert.equal(closed.code, 1006, 'terminated, no close handshake');
    const delivered = socket.messages.filter((message) => message.type === 'event').length;
    assert.ok(delivered < count, `only what was sent before the cut (${delivered} of ${count})`);
  });

  test('the metrics count connected sockets, messages, slow clients cut and refused upgrades', async () => {
    const scrape = async () => (await fetch(`${service.url}/metrics`)).text();
    const value = (body: string, series: string) => {
      const line = body.split('\n').find((entry) => entry.startsWith(`${series} `));
      assert.ok(line !== undefined, `${series} is scraped`);
      return Number(line.slice(series.length + 1));
    };
    const buyer = await shop.customer('metered', 1_000);
    const socket = await openSocket(url, bearer(buyer.token));
    await socket.until('welcome', (message) => message.type === 'welcome');
    const open = await scrape();
    assert.equal(value(open, 'realtime_clients{transport="websocket"}'), 1);
    assert.equal(value(open, 'realtime_clients{transport="sse"}'), 0);
    socket.ws.close();
    await socket.closed;

    // What the tests above did: events delivered, the slow reader, the refused origins and the plain GET.
    const body = await eventually('the socket is counted out', async () => {
      const now = await scrape();
      return value(now, 'realtime_clients{transport="websocket"}') === 0 ? now : undefined;
    });
    assert.ok(value(body, 'realtime_messages_sent_total{transport="websocket"}') >= 2);
    assert.equal(value(body, 'realtime_slow_consumers_dropped_total{transport="websocket"}'), 1);
    assert.equal(value(body, 'realtime_upgrades_refused_total{reason="origin"}'), 2);
    assert.equal(value(body, 'realtime_upgrades_refused_total{reason="not_websocket"}'), 1);
    assert.equal(value(body, 'realtime_upgrades_refused_total{reason="draining"}'), 0);
  });
});

/** Signs the admin in over HTTPS, trusting the test certificate; the access token. */
function tlsLogin(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/api/v1/auth/login', method: 'POST', ca },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve((JSON.parse(body) as { accessToken: string }).accessToken);
        });
      },
    );
    req.on('error', reject);
    req.setHeader('content-type', 'application/json');
    req.end(JSON.stringify(DEMO_ACCOUNTS.admin));
  });
}

describe('the realtime socket over TLS', () => {
  test('upgrades on the TLS listener too (HTTP/1.1 by ALPN, same port)', async () => {
    const service = await startService({ tls: true });
    try {
      const token = await tlsLogin(service.port, service.cert!);
      const ws = new WebSocket(`wss://127.0.0.1:${service.port}${SOCKET}`, {
        headers: { authorization: `Bearer ${token}` },
        ca: service.cert!,
      });
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data: Buffer) => {
          resolve(data.toString('utf8'));
        });
        ws.once('error', reject);
      });
      assert.equal((JSON.parse(first) as { type: string }).type, 'welcome');
      ws.close();
    } finally {
      await service.close();
    }
  });
});

describe('the realtime socket: liveness and shutdown', () => {
  test('a client that answers no ping is cut; one that does stays', async () => {
    const service = await startService({ env: { REALTIME_HEARTBEAT_MS: '300' } });
    try {
      const api = apiClient(service.url);
      const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
      const headers = { authorization: `Bearer ${admin}` };
      const healthy = await openSocket(`${service.url}${SOCKET}`, headers);
      let pings = 0;
      healthy.ws.on('ping', () => (pings += 1));

      const silent = new WebSocket(`${service.url.replace(/^http/, 'ws')}${SOCKET}`, {
        headers,
        autoPong: false,
      });
      const silentClosed = new Promise<number>((resolve) => {
        silent.once('close', (code) => {
          resolve(code);
        });
      });
      silent.on('error', () => {});
      assert.equal(await silentClosed, 1006, 'cut without a close handshake');
      await eventually('three pings answered', () => pings >= 3);
      assert.equal(healthy.ws.readyState, WebSocket.OPEN);
      healthy.ws.close();
    } finally {
      await service.close();
    }
  });

  test('open sockets are closed with 1012 (restart) within the grace period', async () => {
    const service = await startService();
    const api = apiClient(service.url);
    const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    const socket = await openSocket(`${service.url}${SOCKET}`, {
      authorization: `Bearer ${admin}`,
    });
    await socket.until('welcome', (message) => message.type === 'welcome');
    const started = Date.now();
    // A long grace: the socket must end because it was told to, not because it was cut.
    await service.close(20_000);
    const closed = await socket.closed;
    assert.equal(closed.code, 1012);
    assert.ok(Date.now() - started < 15_000, 'drained, not cut at the end of the grace');
  });
});
