// The scripted customer: browse the catalog, search for what caught their
// eye, sign up, sign in, get credit (an admin step: new accounts start with
// an empty wallet), place an order with an Idempotency-Key and pay it.
//
// Only requests that carry an Idempotency-Key (the credit and the order)
// are sent again after a failure that may not have reached the service or
// may have been cut off (no answer, 502, 503, 504): the key turns a repeat
// into a replay of the first answer, never a second order. Everything else
// is sent once; its failure ends the journey and is counted.

import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { send, type Answer, type Request } from './client.ts';
import type { Clock } from './schedule.ts';
import type { Recorder } from './stats.ts';

export const STEPS = ['browse', 'search', 'sign-up', 'sign-in', 'fund', 'order', 'pay'] as const;
export type Step = (typeof STEPS)[number];

const PASSWORD = 'load test password, long enough';
/** Attempts of a keyed request: the first and up to three repeats. */
const KEYED_ATTEMPTS = 4;
const RETRY_BACKOFF_MS = 50;

export interface AcknowledgedOrder {
  readonly id: string;
  readonly email: string;
  readonly idempotencyKey: string;
  /** Whether the client saw the payment accepted. */
  paid: boolean;
}

export interface JourneyContext {
  readonly baseUrl: string;
  /** An admin's bearer token, for the credit step. */
  readonly adminToken: string;
  /** Tells this run's accounts and keys from any other's. */
  readonly runId: string;
  readonly timeoutMs: number;
  readonly recorder: Recorder;
  readonly clock: Clock;
  /** Every order the service acknowledged (201), as the client saw it. */
  readonly orders: AcknowledgedOrder[];
}

interface ProductV2 {
  readonly id: string;
  readonly title: string;
  readonly price: { readonly amount: number; readonly currency: string };
  readonly availability: string;
}

/** Runs one journey due at `dueAt`; resolves true when every step succeeded. */
export async function runJourney(
  ctx: JourneyContext,
  index: number,
  dueAt: number,
): Promise<boolean> {
  let from = dueAt;
  /** Sends once; the latency counts from when the step was due (the previous step's end). */
  const step = async (
    name: Step,
    path: string,
    request: Omit<Request, 'timeoutMs'>,
    expect: number,
  ) => {
    const answer = await send(ctx.baseUrl, path, { ...request, timeoutMs: ctx.timeoutMs });
    return settle(name, answer, expect);
  };
  const settle = (name: Step, answer: Answer, expect: number): Answer | undefined => {
    const now = ctx.clock.now();
    if (answer.status === expect) {
      ctx.recorder.success(name, now - from);
      from = now;
      return answer;
    }
    ctx.recorder.failure({ step: name, status: answer.status, code: answer.code });
    return undefined;
  };
  /** Sends under one Idempotency-Key until answered, within KEYED_ATTEMPTS. */
  const keyed = async (name: Step, path: string, request: Omit<Request, 'timeoutMs'>) => {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await send(ctx.baseUrl, path, { ...request, timeoutMs: ctx.timeoutMs });
      if (!mayRepeat(answer) || attempt === KEYED_ATTEMPTS) return settle(name, answer, 201);
      ctx.recorder.failure({ step: name, status: answer.status, code: answer.code });
      ctx.recorder.retry();
      await delay(RETRY_BACKOFF_MS * 2 ** (attempt - 1));
    }
  };

  const listing = await step('browse', '/api/v2/products?limit=20', {}, 200);
  if (listing === undefined) return false;
  const product = pick((listing.body as { data?: ProductV2[] }).data ?? [], index);
  if (product === undefined) {
    ctx.recorder.failure({ step: 'browse', status: 200, code: 'NOTHING_IN_STOCK' });
    return false;
  }
  const word = /[\p{L}\p{N}]+/u.exec(product.title)?.[0] ?? 'a';
  if (
    (await step('search', `/api/v1/search?q=${encodeURIComponent(word)}`, {}, 200)) === undefined
  ) {
    return false;
  }

  const email = `load-${ctx.runId}-${index}@example.com`;
  const account = { email, password: PASSWORD };
  const registered = await step(
    'sign-up',
    '/api/v1/auth/register',
    { method: 'POST', json: account },
    201,
  );
  if (registered === undefined) return false;
  const userId = (registered.body as { id: string }).id;
  const signedIn = await step(
    'sign-in',
    '/api/v1/auth/login',
    { method: 'POST', json: account },
    200,
  );
  if (signedIn === undefined) return false;
  const token = (signedIn.body as { accessToken: string }).accessToken;

  const funded = await keyed('fund', `/api/v1/admin/wallets/${userId}/credits`, {
    method: 'POST',
    token: ctx.adminToken,
    // The price as a plain amount: v2 adds a `formatted` text the credit does not take.
    json: { amount: { amount: product.price.amount, currency: product.price.currency } },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (funded === undefined) return false;

  const idempotencyKey = `load-${ctx.runId}-${index}`;
  const placed = await keyed('order', '/api/v1/orders', {
    method: 'POST',
    token,
    json: { items: [{ productId: product.id, quantity: 1 }] },
    headers: { 'idempotency-key': idempotencyKey },
  });
  if (placed === undefined) return false;
  const order: AcknowledgedOrder = {
    id: (placed.body as { id: string }).id,
    email,
    idempotencyKey,
    paid: false,
  };
  ctx.orders.push(order);

  const paid = await step('pay', `/api/v1/orders/${order.id}/pay`, { method: 'POST', token }, 200);
  if (paid === undefined) return false;
  order.paid = true;
  ctx.recorder.journey(ctx.clock.now() - dueAt);
  return true;
}

/** No answer, or the proxy's or the service's "not handled, try again". */
export function mayRepeat(answer: Answer): boolean {
  return (
    answer.status === 'network' ||
    answer.status === 'timeout' ||
    answer.status === 502 ||
    answer.status === 503 ||
    answer.status === 504
  );
}

/** Spreads journeys over the in-stock products of the page, so they rarely queue on one row. */
function pick(products: readonly ProductV2[], index: number): ProductV2 | undefined {
  const inStock = products.filter((product) => product.availability !== 'out_of_stock');
  return inStock[index % Math.max(1, inStock.length)];
}
