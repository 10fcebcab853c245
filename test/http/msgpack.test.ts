// MessagePack through the whole service: a product read and an order
// placed in application/msgpack both ways, decoding to exactly what the
// JSON representation says; its own strong ETag; the same schemas on
// writes (422 as for JSON); malformed MessagePack a 400 problem+json; and
// the OpenAPI document listing the media type. Every response is also
// checked against the document by the contract recorder (startService).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pack, unpack } from 'msgpackr';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

const MSGPACK = 'application/msgpack';

describe('application/msgpack', () => {
  let service: StartedService;
  let api: ApiClient;
  let customer: string;

  before(async () => {
    service = await startService();
    api = apiClient(service.url);
    customer = (await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password))
      .accessToken;
  });

  after(async () => {
    await service.close();
  });

  /** POST with a raw MessagePack body (the JSON client sends JSON only). */
  const postMsgpack = (path: string, body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${service.url}${path}`, {
      method: 'POST',
      body,
      headers: {
        authorization: `Bearer ${customer}`,
        'content-type': MSGPACK,
        'idempotency-key': randomUUID(),
        ...headers,
      },
    });

  const decode = async (res: Response): Promise<unknown> =>
    unpack(Buffer.from(await res.arrayBuffer())) as unknown;

  test('a product read: the JSON representation, in MessagePack, with its own ETag', async () => {
    const json = await api.call('/api/v1/products/12');
    assert.equal(json.status, 200);
    const asMsgpack = await api.call('/api/v1/products/12', { headers: { accept: MSGPACK } });
    assert.equal(asMsgpack.status, 200);
    assert.equal(asMsgpack.headers.get('content-type'), MSGPACK);
    assert.match(asMsgpack.headers.get('vary') ?? '', /accept/i);
    assert.match(json.headers.get('vary') ?? '', /accept/i);
    assert.deepEqual(await decode(asMsgpack), await json.json());

    const etag = asMsgpack.headers.get('etag')!;
    assert.notEqual(etag, json.headers.get('etag'));
    const again = await api.call('/api/v1/products/12', {
      headers: { accept: MSGPACK, 'if-none-match': etag },
    });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    // No Accept, or one preferring JSON: JSON as before.
    const preferJson = await api.call('/api/v1/products/12', {
      headers: { accept: 'application/json, application/msgpack;q=0.5' },
    });
    assert.match(preferJson.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('an order placed in MessagePack, answered in MessagePack', async () => {
    const res = await postMsgpack(
      '/api/v1/orders',
      pack({ items: [{ productId: '9', quantity: 2 }] }),
      {
        accept: MSGPACK,
      },
    );
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), MSGPACK);
    const placed = (await decode(res)) as {
      id: string;
      items: { productId: string; quantity: number }[];
    };
    assert.deepEqual(
      placed.items.map((item) => [item.productId, item.quantity]),
      [['9', 2]],
    );
    const read = await api.call(`/api/v1/orders/${placed.id}`, { token: customer });
    assert.equal(read.status, 200);
    assert.deepEqual(((await read.json()) as { id: string }).id, placed.id);
  });

  test('the same schemas: a well-formed body that breaks them is 422, as in JSON', async () => {
    const res = await postMsgpack(
      '/api/v1/orders',
      pack({ items: [{ productId: '9', quantity: 0 }] }),
    );
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  const malformed: [string, Buffer][] = [
    ['a reserved byte', Buffer.from([0xc1])],
    ['a truncated map', Buffer.from([0x81, 0xa5, 0x69])],
    ['two values', Buffer.concat([pack({ items: [] }), pack(1)])],
    ['a timestamp', pack({ items: [], at: new Date() })],
    ['binary', pack({ items: Buffer.from('abc') })],
  ];
  for (const [what, body] of malformed) {
    test(`malformed MessagePack (${what}) is 400 problem+json`, async () => {
      const res = await postMsgpack('/api/v1/orders', body, { accept: MSGPACK });
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; requestId?: string };
      assert.equal(problem.code, 'HTTP_MALFORMED_BODY');
    });
  }

  test('a __proto__ key stays an ordinary key (refused by the strict schema)', async () => {
    const map = new Map<string, unknown>([
      ['items', [{ productId: '9', quantity: 1 }]],
      ['__proto__', { polluted: true }],
    ]);
    const res = await postMsgpack('/api/v1/orders', pack(map));
    assert.equal(res.status, 422);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('the OpenAPI document lists application/msgpack beside JSON', async () => {
    const document = (await (await api.call('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: object }; responses: Record<string, { content?: object }> }
        >
      >;
    };
    const read = document.paths['/api/v1/products/{id}']!.get!;
    assert.deepEqual(Object.keys(read.responses['200']!.content!), ['application/json', MSGPACK]);
    const place = document.paths['/api/v1/orders']!.post!;
    assert.deepEqual(Object.keys(place.requestBody!.content), ['application/json', MSGPACK]);
    assert.deepEqual(Object.keys(place.responses['201']!.content!), ['application/json', MSGPACK]);
  });
});
