// The feature-flag admin API through the whole service: admins only, every
// write audited, inconsistent definitions refused as problem+json listing
// each problem, the kill switch; and a real use — checkout behind
// `checkout.orders`, paused by a rule or the kill switch.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

const FLAGS = '/api/v1/admin/flags';

describe('feature flag admin API', () => {
  let service: StartedService;
  let api: ApiClient;
  let admin: string;
  let customer: string;

  before(async () => {
    service = await startService();
    api = apiClient(service.url);
    admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
    customer = (await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password))
      .accessToken;
  });

  after(async () => {
    await service.close();
  });

  const create = (body: object, token = admin) =>
    api.call(FLAGS, { method: 'POST', token, json: body });

  test('only admins manage flags', async () => {
    assert.equal((await api.call(FLAGS)).status, 401);
    const refused = await api.call(FLAGS, { token: customer });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('content-type')!, /^application\/problem\+json/);
  });

  test('create, read, kill, revive, delete — each audited', async () => {
    const created = await create({
      key: 'api.crud',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      offVariant: 'off',
      rollout: [{ variant: 'on', percent: 25 }],
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), `${FLAGS}/api.crud`);
    assert.equal(
      (
        await create({
          key: 'api.crud',
          kind: 'boolean',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          offVariant: 'off',
        })
      ).status,
      409,
    );

    const read = await api.call(`${FLAGS}/api.crud`, { token: admin });
    assert.equal(read.status, 200);
    const body = (await read.json()) as { version: number; rollout: unknown[] };
    assert.deepEqual(body.rollout, [{ variant: 'on', percent: 25 }]);

    const kill = (killed: boolean, version?: number) =>
      api.call(`${FLAGS}/api.crud`, {
        method: 'PATCH',
        token: admin,
        json: { killed, ...(version === undefined ? {} : { version }) },
      });
    assert.equal((await kill(true, body.version)).status, 200);
    const stale = await kill(false, body.version);
    assert.equal(stale.status, 409);
    assert.equal(((await stale.json()) as { code: string }).code, 'FLAGS_VERSION_CONFLICT');
    assert.equal((await kill(false)).status, 200);

    const list = (await (await api.call(FLAGS, { token: admin })).json()) as {
      data: { key: string }[];
    };
    assert.ok(list.data.some((flag) => flag.key === 'api.crud'));
    assert.equal(
      (await api.call(`${FLAGS}/api.crud`, { method: 'DELETE', token: admin })).status,
      204,
    );
    assert.equal((await api.call(`${FLAGS}/api.crud`, { token: admin })).status, 404);

    const actions = await service.sql.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_type', '=', 'feature_flag')
      .where('target_id', '=', 'api.crud')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      actions.map((row) => row.action),
      ['admin.flag_created', 'admin.flag_killed', 'admin.flag_revived', 'admin.flag_deleted'],
    );
  });

  test('an inconsistent definition is 422 naming every problem; a malformed one 422 by field', async () => {
    const res = await create({
      key: 'api.bad',
      kind: 'boolean',
      variants: { on: true, off: false },
      defaultVariant: 'maybe',
      offVariant: 'off',
      rollout: [
        { variant: 'on', percent: 80 },
        { variant: 'on', percent: 30 },
      ],
    });
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type')!, /^application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'FLAGS_INVALID_DEFINITION');
    assert.match(problem.detail, /defaultVariant names unknown variant "maybe"/);
    assert.match(problem.detail, /more than 100 %/);

    const malformed = await create({
      key: 'Not A Key',
      kind: 'boolean',
      variants: {},
      defaultVariant: 'x',
      offVariant: 'x',
    });
    assert.equal(malformed.status, 422);
    const fields =
      ((await malformed.json()) as { errors?: { field?: string; pointer?: string }[] }).errors ??
      [];
    assert.ok(fields.length > 0);
  });

  test('checkout.orders: killed, placing an order is 503 and reserves nothing; revived, it works', async () => {
    const place = () =>
      api.call('/api/v1/orders', {
        method: 'POST',
        token: customer,
        json: { items: [{ productId: '7', quantity: 1 }] },
        headers: { 'idempotency-key': randomUUID() },
      });
    const stock = async () =>
      (
        await service.sql.db
          .selectFrom('products')
          .select('stock')
          .where('id', '=', '7')
          .executeTakeFirstOrThrow()
      ).stock;
    assert.equal((await place()).status, 201, 'no flag: checkout is open');

    // Held back for customers by a rule, open to the rest by the default.
    const created = await create({
      key: 'checkout.orders',
      kind: 'boolean',
      variants: { open: true, paused: false },
      defaultVariant: 'open',
      offVariant: 'paused',
      rules: [{ variant: 'paused', roles: ['customer'] }],
    });
    assert.equal(created.status, 201);
    const before = await stock();
    // Its own write: this instance reloaded before answering, so no waiting here.
    const paused = await place();
    assert.equal(paused.status, 503);
    assert.equal(paused.headers.get('retry-after'), '60');
    assert.equal(((await paused.json()) as { code: string }).code, 'ORDERS_CHECKOUT_PAUSED');
    assert.equal(await stock(), before, 'nothing reserved');

    const change = (json: object) =>
      api.call('/api/v1/admin/flags/checkout.orders', { method: 'PATCH', token: admin, json });
    assert.equal((await change({ rules: [] })).status, 200);
    assert.equal((await place()).status, 201);
    // The kill switch overrides the default.
    assert.equal((await change({ killed: true })).status, 200);
    assert.equal((await place()).status, 503);
    assert.equal((await change({ killed: false })).status, 200);
    assert.equal((await place()).status, 201);
  });
});
