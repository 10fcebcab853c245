// The crash workload's operations, and how each reads the definite answer
// that follows a lost attempt (the attempt may or may not have committed):
//
// - register: the e-mail is new to the run, so 201 means this attempt
//   created the account and 409 USERS_EMAIL_TAKEN means a lost one did.
// - credit (admin, Idempotency-Key): 201 either way; Idempotent-Replayed
//   says a lost attempt had committed it.
// - place (Idempotency-Key): 201, replayed or not, is the order; 409
//   ORDERS_OUT_OF_STOCK is a refusal (a committed attempt would have stored
//   its 201 under the key, and the retry would get that).
// - pay / cancel (no key: actions on an order only its owner's client acts
//   on, one request at a time): 200 is this attempt; 409
//   ORDERS_INVALID_TRANSITION after a lost attempt means one did it when a
//   GET shows the order in the target state. The wallet's expected balance
//   also decides pay's 422 PAYMENTS_INSUFFICIENT_FUNDS: refused only if the
//   model says the money is not there.
//
// Any other answer fails the run: the service said something no client could
// make sense of.

import type { Prng } from '../support/prng.ts';
import type { Customer, Line, ModelOrder, OpKind, OpRecord, Workload } from './model.ts';
import {
  perform,
  problemCode,
  send,
  signIn,
  unexpected,
  withSession,
  type Answer,
  type RequestContext,
  type Session,
} from './requests.ts';

const PASSWORD = 'correct horse battery staple';
const MAX_CUSTOMERS_PER_CLIENT = 3;
/** Below this balance a client tops its customer up more often than not. */
const LOW_BALANCE = 2_000;

export interface WorkloadContext extends RequestContext {
  readonly admin: Session;
  /** Set when the clients should finish the operation they are in and stop. */
  stopping: boolean;
}

/** One client: a sequence of operations drawn from `rng`, on customers of its own. */
export async function clientLoop(ctx: WorkloadContext, loop: number, rng: Prng): Promise<void> {
  const mine: Customer[] = [];
  let seq = 0;
  const next = () => `crash-${ctx.workload.seed}-${loop}-${++seq}`;
  while (!ctx.stopping) {
    if (mine.length === 0 || (mine.length < MAX_CUSTOMERS_PER_CLIENT && rng.chance(0.03))) {
      mine.push(await register(ctx, loop, `${next()}@example.com`));
      continue;
    }
    const customer = rng.pick(mine);
    const pending = customer.orders.filter((order) => order.status === 'pending');
    const open = customer.orders.filter((order) => order.status !== 'cancelled');
    if ((customer.balance < LOW_BALANCE && rng.chance(0.6)) || rng.chance(0.05)) {
      await credit(ctx, loop, customer, rng.int(10, 60) * 100, next());
      continue;
    }
    const roll = rng.next();
    if (roll < 0.45 || open.length === 0) {
      await place(ctx, loop, customer, pickLines(ctx.workload, rng), next());
    } else if (roll < 0.85 && pending.length > 0) {
      await pay(ctx, loop, customer, rng.pick(pending));
    } else {
      await cancel(ctx, loop, customer, rng.pick(open));
    }
  }
}

function pickLines(workload: Workload, rng: Prng): Line[] {
  const first = rng.int(0, workload.products.length - 1);
  const count = rng.chance(0.4) ? 2 : 1;
  return Array.from({ length: count }, (_, i) => ({
    productId: workload.products[(first + i) % workload.products.length]!.id,
    quantity: rng.int(1, 3),
  }));
}

function record(ctx: WorkloadContext, kind: OpKind, loop: number, subject: string): OpRecord {
  const op: OpRecord = {
    kind,
    loop,
    subject,
    first: undefined,
    attempts: 0,
    outcome: undefined,
  };
  ctx.workload.ops.push(op);
  return op;
}

/** Sets the outcome; for an operation whose first attempt was lost, who committed it. */
function settle(op: OpRecord, outcome: 'committed' | 'refused', byLostAttempt: boolean): void {
  op.outcome = outcome;
  if (op.first === 'unknown' && outcome === 'committed') op.lostAttemptCommitted = byLostAttempt;
}

async function register(ctx: WorkloadContext, loop: number, email: string): Promise<Customer> {
  const op = record(ctx, 'register', loop, email);
  const answer = await perform(ctx, op, () =>
    send(ctx, 'POST', '/api/v1/auth/register', { json: { email, password: PASSWORD } }),
  );
  const taken = answer.status === 409 && problemCode(answer) === 'USERS_EMAIL_TAKEN';
  if (answer.status !== 201 && !(taken && op.first === 'unknown')) unexpected(op, answer);
  settle(op, 'committed', taken);
  const session: Session = { email, password: PASSWORD, token: '' };
  await signIn(ctx, session);
  const me = await perform(ctx, op, () => send(ctx, 'GET', '/api/v1/me', { token: session.token }));
  if (me.status !== 200 || me.body.email !== email) unexpected(op, me, 'who am I');
  const customer: Customer = {
    email,
    password: PASSWORD,
    id: String(me.body.id),
    token: session.token,
    balance: 0,
    credits: [],
    orders: [],
  };
  ctx.workload.customers.push(customer);
  return customer;
}

async function credit(
  ctx: WorkloadContext,
  loop: number,
  customer: Customer,
  amount: number,
  key: string,
): Promise<void> {
  const op = record(ctx, 'credit', loop, key);
  const answer = await perform(ctx, op, () =>
    withSession(ctx, ctx.admin, (token) =>
      send(ctx, 'POST', `/api/v1/admin/wallets/${customer.id}/credits`, {
        token,
        idempotencyKey: key,
        json: { amount: { amount, currency: 'EUR' } },
      }),
    ),
  );
  if (answer.status !== 201) unexpected(op, answer);
  settle(op, 'committed', answer.replayed);
  customer.balance += amount;
  customer.credits.push({ key, amount });
}

async function place(
  ctx: WorkloadContext,
  loop: number,
  customer: Customer,
  items: Line[],
  key: string,
): Promise<void> {
  const op = record(ctx, 'place', loop, key);
  const answer = await perform(ctx, op, () =>
    withSession(ctx, customer, (token) =>
      send(ctx, 'POST', '/api/v1/orders', { token, idempotencyKey: key, json: { items } }),
    ),
  );
  if (answer.status === 409 && problemCode(answer) === 'ORDERS_OUT_OF_STOCK') {
    settle(op, 'refused', false);
    return;
  }
  if (answer.status !== 201) unexpected(op, answer);
  const total = items.reduce((sum, line) => sum + priceOf(ctx.workload, line) * line.quantity, 0);
  const body = answer.body as { id: string; status: string; total: { amount: number } };
  const lines = (answer.body.items as Line[]).map(({ productId, quantity }) => ({
    productId,
    quantity,
  }));
  const sorted = [...items].sort((a, b) => Number(a.productId) - Number(b.productId));
  if (body.status !== 'pending' || body.total.amount !== total || !sameLines(lines, sorted)) {
    unexpected(op, answer, `expected a pending order of ${JSON.stringify(sorted)} for ${total}`);
  }
  settle(op, 'committed', answer.replayed);
  const order: ModelOrder = {
    id: body.id,
    key,
    ownerId: customer.id,
    items: sorted,
    total,
    status: 'pending',
    everPaid: false,
  };
  customer.orders.push(order);
  ctx.workload.orders.push(order);
}

async function pay(
  ctx: WorkloadContext,
  loop: number,
  customer: Customer,
  order: ModelOrder,
): Promise<void> {
  const op = record(ctx, 'pay', loop, order.id);
  const answer = await act(ctx, op, customer, order, 'pay');
  const affordable = customer.balance >= order.total;
  if (answer === 'done-by-lost-attempt' || answer.status === 200) {
    if (!affordable)
      throw new Error(`order ${order.id} was paid with ${customer.balance} in the wallet`);
    settle(op, 'committed', answer === 'done-by-lost-attempt');
    customer.balance -= order.total;
    order.status = 'paid';
    order.everPaid = true;
  } else if (answer.status === 422 && problemCode(answer) === 'PAYMENTS_INSUFFICIENT_FUNDS') {
    if (affordable) unexpected(op, answer, `the wallet should hold ${customer.balance}`);
    settle(op, 'refused', false);
  } else {
    unexpected(op, answer);
  }
}

async function cancel(
  ctx: WorkloadContext,
  loop: number,
  customer: Customer,
  order: ModelOrder,
): Promise<void> {
  const op = record(ctx, 'cancel', loop, order.id);
  const answer = await act(ctx, op, customer, order, 'cancel');
  if (answer !== 'done-by-lost-attempt' && answer.status !== 200) unexpected(op, answer);
  settle(op, 'committed', answer === 'done-by-lost-attempt');
  if (order.status === 'paid') customer.balance += order.total;
  order.status = 'cancelled';
}

/** POST /orders/{id}/{action}; a 409 after a lost attempt that did the action reads as done. */
async function act(
  ctx: WorkloadContext,
  op: OpRecord,
  customer: Customer,
  order: ModelOrder,
  action: 'pay' | 'cancel',
): Promise<Answer | 'done-by-lost-attempt'> {
  const target = action === 'pay' ? 'paid' : 'cancelled';
  const answer = await perform(ctx, op, () =>
    withSession(ctx, customer, (token) =>
      send(ctx, 'POST', `/api/v1/orders/${order.id}/${action}`, { token }),
    ),
  );
  if (answer.status === 200 && answer.body.status !== target) unexpected(op, answer);
  if (answer.status !== 409 || problemCode(answer) !== 'ORDERS_INVALID_TRANSITION') return answer;
  if (op.first !== 'unknown') unexpected(op, answer, `the order should be ${order.status}`);
  const now = await perform(ctx, op, () =>
    withSession(ctx, customer, (token) =>
      send(ctx, 'GET', `/api/v1/orders/${order.id}`, { token }),
    ),
  );
  if (now.status !== 200 || now.body.status !== target) unexpected(op, now, `expected ${target}`);
  return 'done-by-lost-attempt';
}

function priceOf(workload: Workload, line: Line): number {
  return workload.products.find((product) => product.id === line.productId)!.price;
}

function sameLines(a: readonly Line[], b: readonly Line[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
