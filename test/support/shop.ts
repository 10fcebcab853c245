// A customer's way through the shop over real HTTP (sign up, get credit,
// place and pay an order), and the money an order moved, read straight from
// the ledger tables — for the suites of the order-complete flow.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { Database } from '../../src/wiring/tables.ts';
import type { ApiClient } from './api.ts';

const PASSWORD = 'correct horse battery staple';

export interface Customer {
  readonly id: string;
  readonly email: string;
  readonly token: string;
}

export interface PlacedOrder {
  readonly id: string;
  readonly status: string;
  readonly total: { readonly amount: number; readonly currency: string };
}

export interface Shop {
  /** A new customer with `credit` minor units in their wallet. */
  customer(label: string, credit: number): Promise<Customer>;
  /** A seeded product with a known stock and price; a new one per call. */
  product(stock: number, price: number): Promise<string>;
  place(buyer: Customer, items: { productId: string; quantity: number }[]): Promise<PlacedOrder>;
  /** POST /orders/{id}/{action}; asserts a 200 and returns the order. */
  act(token: string, orderId: string, action: string): Promise<PlacedOrder>;
  balanceOf(userId: string): Promise<number>;
}

export async function openShop(api: ApiClient, db: Kysely<Database>): Promise<Shop> {
  const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
    .accessToken;
  let nextProduct = 150;
  return {
    async customer(label, credit) {
      const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      if (credit > 0) {
        const res = await api.call(`/api/v1/admin/wallets/${id}/credits`, {
          method: 'POST',
          token: admin,
          json: { amount: { amount: credit, currency: 'EUR' } },
          headers: { 'idempotency-key': randomUUID() },
        });
        assert.equal(res.status, 201, await res.clone().text());
      }
      return { id, email, token: (await api.login(email, PASSWORD)).accessToken };
    },
    async product(stock, price) {
      nextProduct += 1;
      const id = String(nextProduct);
      await db
        .updateTable('products')
        .set({ stock, price_amount: price })
        .where('id', '=', id)
        .execute();
      return id;
    },
    async place(buyer, items) {
      const res = await api.call('/api/v1/orders', {
        method: 'POST',
        token: buyer.token,
        json: { items },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as PlacedOrder;
    },
    async act(token, orderId, action) {
      const res = await api.call(`/api/v1/orders/${orderId}/${action}`, { method: 'POST', token });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as PlacedOrder;
    },
    async balanceOf(userId) {
      const row = await db
        .selectFrom('wallets')
        .select('balance')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? 0 : Number(row.balance);
    },
  };
}

export interface OrderMoney {
  /** `kind from→to` of each of the order's transfers, oldest first. */
  readonly transfers: string[];
  /** What the order's transfers left in the merchant and the escrow wallets. */
  readonly merchant: number;
  readonly escrow: number;
}

export async function orderMoney(db: Kysely<Database>, orderId: string): Promise<OrderMoney> {
  const transfers = await db
    .selectFrom('transfers as t')
    .innerJoin('wallets as fw', 'fw.id', 't.from_wallet_id')
    .innerJoin('wallets as tw', 'tw.id', 't.to_wallet_id')
    .select(['t.kind', 'fw.kind as from_kind', 'tw.kind as to_kind'])
    .where('t.order_id', '=', orderId)
    .orderBy('t.id')
    .execute();
  const sums = await db
    .selectFrom('ledger_entries as e')
    .innerJoin('transfers as t', 't.id', 'e.transfer_id')
    .innerJoin('wallets as w', 'w.id', 'e.wallet_id')
    .select(['w.kind', (eb) => eb.fn.sum<string>('e.amount').as('total')])
    .where('t.order_id', '=', orderId)
    .groupBy('w.kind')
    .execute();
  const sumOf = (kind: string) => Number(sums.find((row) => row.kind === kind)?.total ?? 0);
  return {
    transfers: transfers.map((row) => `${row.kind} ${row.from_kind}→${row.to_kind}`),
    merchant: sumOf('merchant'),
    escrow: sumOf('escrow'),
  };
}

/** The ledger's invariants, straight from the tables. */
export async function assertLedgerConsistent(db: Kysely<Database>): Promise<void> {
  const total = await sql<{ total: string }>`
    select coalesce(sum(amount), 0)::text as total from ledger_entries`.execute(db);
  assert.equal(total.rows[0]!.total, '0', 'all entries sum to zero');
  const unbalanced = await sql`
    select transfer_id from ledger_entries
    group by transfer_id having sum(amount) <> 0 or count(*) <> 2`.execute(db);
  assert.deepEqual(unbalanced.rows, [], 'every transfer has two entries summing to zero');
  const drifted = await sql`
    select w.id from wallets w
    left join (select wallet_id, sum(amount) as total from ledger_entries group by wallet_id) e
      on e.wallet_id = w.id
    where w.balance <> coalesce(e.total, 0)`.execute(db);
  assert.deepEqual(drifted.rows, [], 'every balance equals the sum of its entries');
  const negative = await sql`
    select id from wallets where kind <> 'funding' and balance < 0`.execute(db);
  assert.deepEqual(negative.rows, [], 'only the funding wallet may be negative');
}

/** The order's settled_at, null until the flow's parent ran. */
export async function settledAt(db: Kysely<Database>, orderId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('orders')
    .select('settled_at')
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  return row.settled_at;
}
