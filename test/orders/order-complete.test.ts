// The order-complete flow on both engines, through the real service: paying
// only authorizes (the money waits in escrow), and the flow the `order.paid`
// event adds captures it to the merchant, mails the receipt, writes the pick
// list and then settles the order, recording `order.settled`. A cancellation
// refunds from escrow before the capture and from the merchant after it.
//
// Requests go to a service without workers (WORKERS=off); each test starts
// the workers (a second service, WORKERS=inline, on the same database) when
// it wants the flow to run, so "before the capture" is a state the test
// holds, not a race it hopes to win.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import { enqueueFlowOn } from '../../src/adapters/queue/postgres.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { ORDER_COMPLETE_QUEUE, orderCompleteFlow } from '../../src/modules/orders/complete.ts';
import { eventually } from '../support/eventually.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { apiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import {
  assertLedgerConsistent,
  openShop,
  orderMoney,
  settledAt,
  type Customer,
  type Shop,
} from '../support/shop.ts';
import { startService, type StartedService } from '../support/start.ts';

const FLOW_TIMEOUT = { timeoutMs: 30_000, intervalMs: 50 };

type Db = SqlDatabase<Database>['db'];

const flowKey = (orderId: string) => `order-complete:${orderId}`;

async function flowState(db: Db, orderId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('jobs')
    .select('state')
    .where('queue', '=', ORDER_COMPLETE_QUEUE)
    .where('idempotency_key', '=', flowKey(orderId))
    .executeTakeFirst();
  return row?.state;
}

async function merchantBalance(db: Db): Promise<number> {
  const row = await db
    .selectFrom('wallets')
    .select('balance')
    .where('kind', '=', 'merchant')
    .where('currency', '=', 'EUR')
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

async function outboxTypes(db: Db, orderId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('outbox')
    .select('type')
    .where('aggregate_id', '=', orderId)
    // The order's own events; its stock changes (product.stock_changed) commit beside them.
    .where('type', 'like', 'order.%')
    .orderBy('occurred_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => row.type);
}

async function receipts(workers: StartedService, buyer: Customer, orderId: string) {
  const mails = await listOutbox(join(workers.dataDir, 'mail')).catch(() => []);
  return mails.filter(
    (mail) => mail.to === buyer.email && mail.subject === `Receipt for order ${orderId}`,
  );
}

for (const engine of ENGINES) {
  describe(`the order-complete flow on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let web: StartedService;
    let shop: Shop;
    let db: Db;

    before(async () => {
      database = await engine.open();
      db = database.sql.db;
      web = await startService({ sql: database.sql, env: { WORKERS: 'off' } });
      shop = await openShop(apiClient(web.url), db);
    });

    after(async () => {
      await web.close();
      await database.close();
    });

    /** Runs `body` with the workers running, and stops them afterwards. */
    async function withWorkers(body: (workers: StartedService) => Promise<void>): Promise<void> {
      const workers = await startService({ sql: database.sql });
      try {
        await body(workers);
      } finally {
        await workers.close();
      }
    }

    test('paying authorizes; the flow captures, mails, allocates and settles once', async () => {
      const buyer = await shop.customer('settler', 10_000);
      const productId = await shop.product(5, 2_500);
      const order = await shop.place(buyer, [{ productId, quantity: 2 }]);
      const merchantBefore = await merchantBalance(db);

      assert.equal((await shop.act(buyer.token, order.id, 'pay')).status, 'paid');
      assert.equal(await shop.balanceOf(buyer.id), 5_000);
      assert.deepEqual(await orderMoney(db, order.id), {
        transfers: ['order_payment user→escrow'],
        merchant: 0,
        escrow: 5_000,
      });
      assert.equal(await merchantBalance(db), merchantBefore, 'not the shop’s before the capture');
      assert.equal(await settledAt(db, order.id), null);

      await withWorkers(async (workers) => {
        await eventually(
          'the order is settled',
          async () => (await settledAt(db, order.id)) !== null,
          FLOW_TIMEOUT,
        );
        assert.equal((await receipts(workers, buyer, order.id)).length, 1);
      });

      assert.deepEqual(await orderMoney(db, order.id), {
        transfers: ['order_payment user→escrow', 'order_capture escrow→merchant'],
        merchant: 5_000,
        escrow: 0,
      });
      assert.equal(await merchantBalance(db), merchantBefore + 5_000);
      const fulfilment = await db
        .selectFrom('order_fulfilments')
        .select('pick_list')
        .where('order_id', '=', order.id)
        .executeTakeFirst();
      assert.deepEqual(fulfilment?.pick_list, [{ productId, quantity: 2 }]);
      assert.deepEqual(await outboxTypes(db, order.id), [
        'order.placed',
        'order.paid',
        'order.settled',
      ]);
      assert.equal(await flowState(db, order.id), 'completed');

      // A redelivered `order.paid` adds the flow again: nothing is added.
      const jobsBefore = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const again = await enqueueFlowOn(
        db,
        orderCompleteFlow({ orderId: order.id, userId: buyer.id }),
      );
      const parent = await db
        .selectFrom('jobs')
        .select('id')
        .where('queue', '=', ORDER_COMPLETE_QUEUE)
        .where('idempotency_key', '=', flowKey(order.id))
        .executeTakeFirstOrThrow();
      assert.equal(again.id, parent.id);
      assert.equal(again.childIds.length, 3);
      const jobsAfter = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(jobsAfter.n, jobsBefore.n);
      await assertLedgerConsistent(db);
    });

    test('cancelled before the capture: refunded out of escrow, the flow does nothing', async () => {
      const buyer = await shop.customer('early-canceller', 4_000);
      const productId = await shop.product(5, 1_500);
      const order = await shop.place(buyer, [{ productId, quantity: 1 }]);
      const merchantBefore = await merchantBalance(db);

      await shop.act(buyer.token, order.id, 'pay');
      assert.equal(await shop.balanceOf(buyer.id), 2_500);
      assert.equal((await shop.act(buyer.token, order.id, 'cancel')).status, 'cancelled');
      assert.equal(await shop.balanceOf(buyer.id), 4_000);
      assert.deepEqual(await orderMoney(db, order.id), {
        transfers: ['order_payment user→escrow', 'refund escrow→user'],
        merchant: 0,
        escrow: 0,
      });

      await withWorkers(async (workers) => {
        await eventually(
          'the flow has run',
          async () => (await flowState(db, order.id)) === 'completed',
          FLOW_TIMEOUT,
        );
        assert.deepEqual(await receipts(workers, buyer, order.id), []);
      });
      assert.deepEqual((await orderMoney(db, order.id)).transfers, [
        'order_payment user→escrow',
        'refund escrow→user',
      ]);
      assert.equal(await merchantBalance(db), merchantBefore);
      assert.equal(await settledAt(db, order.id), null);
      assert.equal(
        await db
          .selectFrom('order_fulfilments')
          .select('order_id')
          .where('order_id', '=', order.id)
          .executeTakeFirst(),
        undefined,
      );
      assert.ok(!(await outboxTypes(db, order.id)).includes('order.settled'));
      await assertLedgerConsistent(db);
    });

    test('cancelled after the capture: refunded out of the merchant wallet', async () => {
      const buyer = await shop.customer('late-canceller', 3_000);
      const productId = await shop.product(5, 1_200);
      const order = await shop.place(buyer, [{ productId, quantity: 2 }]);
      const merchantBefore = await merchantBalance(db);

      await withWorkers(async () => {
        await shop.act(buyer.token, order.id, 'pay');
        await eventually(
          'the order is settled',
          async () => (await settledAt(db, order.id)) !== null,
          FLOW_TIMEOUT,
        );
      });
      assert.equal(await merchantBalance(db), merchantBefore + 2_400);
      assert.equal(await shop.balanceOf(buyer.id), 600);

      assert.equal((await shop.act(buyer.token, order.id, 'cancel')).status, 'cancelled');
      assert.equal(await shop.balanceOf(buyer.id), 3_000);
      assert.equal(await merchantBalance(db), merchantBefore);
      assert.deepEqual(await orderMoney(db, order.id), {
        transfers: [
          'order_payment user→escrow',
          'order_capture escrow→merchant',
          'refund merchant→user',
        ],
        merchant: 0,
        escrow: 0,
      });
      await assertLedgerConsistent(db);
    });
  });
}
