// The crash run's invariants, read straight from the database once the
// server has stopped. Each check returns its violations as sentences (empty:
// it holds), so a failure lists everything that was lost or doubled at once.

import { AssertionError } from 'node:assert';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/wiring/tables.ts';
import { CAPTURE_QUEUE } from '../../src/modules/orders/flow-steps.ts';
import { assertLedgerConsistent } from '../support/shop.ts';
import type { ModelOrder, Workload } from './model.ts';

type Db = Kysely<Database>;

interface StoredOrder {
  readonly id: string;
  readonly user_id: string;
  readonly status: string;
  readonly total_amount: number;
  readonly settled: boolean;
  readonly fulfilled: boolean;
  /** `product×quantity` in product order. */
  readonly lines: string;
  /** `kind from>to` of its transfers, oldest first; null without any. */
  readonly money: string | null;
}

/** Every order of the run's customers, with its lines, flags and money. */
export async function storedOrders(db: Db, workload: Workload): Promise<Map<string, StoredOrder>> {
  const users = workload.customers.map((customer) => customer.id);
  if (users.length === 0) return new Map();
  const { rows } = await sql<StoredOrder>`
    select o.id::text as id, o.user_id::text as user_id, o.status, o.total_amount,
      o.settled_at is not null as settled,
      exists (select 1 from order_fulfilments f where f.order_id = o.id) as fulfilled,
      (select string_agg(i.product_id::text || '×' || i.quantity::text, ',' order by i.product_id)
         from order_items i where i.order_id = o.id) as lines,
      (select string_agg(t.kind || ' ' || fw.kind || '>' || tw.kind, ',' order by t.id)
         from transfers t
         join wallets fw on fw.id = t.from_wallet_id
         join wallets tw on tw.id = t.to_wallet_id
        where t.order_id = o.id) as money
    from orders o
    where o.user_id in (${sql.join(users)})`.execute(db);
  return new Map(rows.map((row) => [row.id, row]));
}

const linesOf = (order: ModelOrder) =>
  order.items.map((line) => `${line.productId}×${line.quantity}`).join(',');

/** Accounts, credits and orders the clients were told about all exist, as told. */
export async function acknowledgedWrites(
  db: Db,
  workload: Workload,
  orders: Map<string, StoredOrder>,
): Promise<string[]> {
  const violations: string[] = [];
  const { rows: users } = await sql<{ id: string; email: string }>`
    select id::text as id, email from users
    where email like ${`crash-${workload.seed}-%`}`.execute(db);
  for (const customer of workload.customers) {
    const stored = users.find((user) => user.email === customer.email);
    if (stored?.id !== customer.id) violations.push(`account ${customer.email} is missing`);
  }
  if (users.length !== workload.customers.length) {
    violations.push(`${users.length} accounts stored, ${workload.customers.length} registered`);
  }
  const { rows: credits } = await sql<{ user_id: string; count: string; total: string }>`
    select w.user_id::text as user_id, count(*)::text as count, sum(t.amount)::text as total
    from transfers t join wallets w on w.id = t.to_wallet_id
    where t.kind = 'credit' and w.user_id in (${sql.join(ids(workload))})
    group by w.user_id`.execute(db);
  for (const customer of workload.customers) {
    const stored = credits.find((row) => row.user_id === customer.id);
    const told = `${customer.credits.length} credits of ${sum(customer.credits.map((c) => c.amount))}`;
    const found = `${stored?.count ?? 0} credits of ${stored?.total ?? 0}`;
    if (told !== found) violations.push(`${customer.email}: told ${told}, stored ${found}`);
  }
  for (const order of workload.orders) {
    const stored = orders.get(order.id);
    if (stored === undefined) {
      violations.push(`order ${order.id} (key ${order.key}) is missing`);
    } else if (
      stored.user_id !== order.ownerId ||
      stored.total_amount !== order.total ||
      stored.lines !== linesOf(order)
    ) {
      violations.push(
        `order ${order.id} holds ${stored.lines} for ${stored.total_amount}, ` +
          `acknowledged ${linesOf(order)} for ${order.total}`,
      );
    }
  }
  return violations;
}

/** One order per Idempotency-Key: no stored order the clients were not told about. */
export async function oneOrderPerKey(
  db: Db,
  workload: Workload,
  orders: Map<string, StoredOrder>,
): Promise<string[]> {
  const violations: string[] = [];
  const told = new Set(workload.orders.map((order) => order.id));
  for (const stored of orders.values()) {
    if (!told.has(stored.id)) {
      violations.push(`order ${stored.id} (${stored.lines}) was never acknowledged: a duplicate`);
    }
  }
  const scopes = workload.customers.map((customer) => `user:${customer.id}:orders`);
  const { rows: keys } = await sql<{ key: string; order_id: string | null }>`
    select key, body ->> 'id' as order_id from idempotency_keys
    where scope in (${sql.join(scopes)})`.execute(db);
  for (const order of workload.orders) {
    const stored = keys.filter((row) => row.key === order.key);
    if (stored.length !== 1 || stored[0]!.order_id !== order.id) {
      violations.push(`key ${order.key}: stored for ${JSON.stringify(stored)}, placed ${order.id}`);
    }
  }
  if (keys.length !== workload.orders.length) {
    violations.push(`${keys.length} order keys stored, ${workload.orders.length} orders placed`);
  }
  return violations;
}

/** Per product: the starting stock = what is on the shelf + what live orders hold. */
export async function stockConserved(db: Db, workload: Workload): Promise<string[]> {
  const violations: string[] = [];
  for (const product of workload.products) {
    const { rows } = await sql<{ stock: number; held: string }>`
      select p.stock,
        (select coalesce(sum(i.quantity), 0)::text from order_items i
           join orders o on o.id = i.order_id
          where i.product_id = p.id and o.status <> 'cancelled'
            and o.user_id in (${sql.join(ids(workload))})) as held
      from products p where p.id = ${product.id}`.execute(db);
    const { stock, held } = rows[0]!;
    const heldByModel = sum(
      workload.orders
        .filter((order) => order.status !== 'cancelled')
        .flatMap((order) => order.items.filter((line) => line.productId === product.id))
        .map((line) => line.quantity),
    );
    if (stock + Number(held) !== product.initialStock || Number(held) !== heldByModel) {
      violations.push(
        `product ${product.id}: started with ${product.initialStock}, ${stock} on the shelf, ` +
          `${held} held by live orders (${heldByModel} by the answers)`,
      );
    }
  }
  return violations;
}

/** The ledger's own invariants, each wallet as its owner was told, each order's money moved once. */
export async function ledgerBalanced(
  db: Db,
  workload: Workload,
  orders: Map<string, StoredOrder>,
): Promise<string[]> {
  const violations: string[] = [];
  try {
    await assertLedgerConsistent(db);
  } catch (error) {
    if (!(error instanceof AssertionError)) throw error;
    violations.push(error.message);
  }
  const { rows: wallets } = await sql<{ user_id: string; balance: string }>`
    select user_id::text as user_id, balance::text as balance from wallets
    where kind = 'user' and currency = 'EUR'
      and user_id in (${sql.join(ids(workload))})`.execute(db);
  for (const customer of workload.customers) {
    const balance = Number(wallets.find((row) => row.user_id === customer.id)?.balance ?? 0);
    if (balance !== customer.balance) {
      violations.push(`${customer.email}: wallet holds ${balance}, told ${customer.balance}`);
    }
  }
  for (const order of workload.orders) {
    const money = orders.get(order.id)?.money ?? null;
    if (!expectedMoney(order).includes(money)) {
      violations.push(`order ${order.id} (${order.status}) moved ${money ?? 'nothing'}`);
    }
  }
  return violations;
}

const PAYMENT = 'order_payment user>escrow';
const CAPTURE = 'order_capture escrow>merchant';

/** The transfers an order may have in its final state. */
function expectedMoney(order: ModelOrder): (string | null)[] {
  if (!order.everPaid) return [null];
  if (order.status === 'paid') return [`${PAYMENT},${CAPTURE}`];
  // Cancelled after paying: refunded from escrow, or from the merchant once captured.
  return [`${PAYMENT},refund escrow>user`, `${PAYMENT},${CAPTURE},refund merchant>user`];
}

/** Every order in the state its client was told, every paid one settled, nothing left queued. */
export async function nothingStuck(
  db: Db,
  workload: Workload,
  orders: Map<string, StoredOrder>,
): Promise<string[]> {
  const violations: string[] = [];
  for (const order of workload.orders) {
    const stored = orders.get(order.id);
    if (stored === undefined) continue;
    if (stored.status !== order.status) {
      violations.push(`order ${order.id} is ${stored.status}, told ${order.status}`);
    }
    if (order.status === 'paid' && !(stored.settled && stored.fulfilled)) {
      violations.push(
        `paid order ${order.id}: settled ${stored.settled}, pick list ${stored.fulfilled}`,
      );
    }
  }
  const { rows: unrelayed } = await sql<{ type: string; aggregate_id: string }>`
    select type, aggregate_id from outbox where relayed_at is null`.execute(db);
  for (const event of unrelayed) {
    violations.push(`event ${event.type} of ${event.aggregate_id} never relayed`);
  }
  const { rows: jobs } = await sql<{ queue: string; state: string; payload: unknown }>`
    select queue, state, payload from jobs
    where state <> 'completed' and (queue like 'orders.%' or queue like 'events.%'
      or queue like 'inventory.%' or queue = ${CAPTURE_QUEUE})`.execute(db);
  for (const job of jobs) {
    violations.push(`job ${job.queue} ${JSON.stringify(job.payload)} is ${job.state}`);
  }
  return violations;
}

function ids(workload: Workload): string[] {
  return workload.customers.map((customer) => customer.id);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
