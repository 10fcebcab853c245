// Fan-out: orders placed before the clients connect, then cancelled one
// after the other — each cancellation an order status change committed in
// the database, which the relay announces and the hub hands to every
// client: sockets following the order's channel, streams on the admin
// channel. Each delay runs from the moment the cancel's response reached the
// runner (the commit is behind it) to the event's arrival at a client, on the
// machine's monotonic clock. The commit happened somewhat earlier, within
// the cancel's round trip, which the report gives alongside.

import { randomUUID } from 'node:crypto';
import type { ClientPool } from './client-pool.ts';
import { monotonicMs } from './client-protocol.ts';

const ARRIVAL_TIMEOUT_MS = 120_000;

async function api(origin: string, token: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(`${origin}${path}`, { ...init, headers });
}

/** Places `count` pending orders of one unit each, on products with stock left; their ids. */
export async function placeOrders(origin: string, token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  let product = 1;
  while (ids.length < count) {
    const response = await api(origin, token, '/api/v1/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ items: [{ productId: String(product), quantity: 1 }] }),
    });
    const body = (await response.json()) as { id?: string; code?: string };
    if (response.status === 201) {
      ids.push(body.id!);
    } else if (body.code === 'ORDERS_OUT_OF_STOCK') {
      product += 1;
    } else {
      throw new Error(`placing an order: ${response.status} ${JSON.stringify(body)}`);
    }
  }
  return ids;
}

export interface FanOutSamples {
  readonly socket: number[];
  readonly stream: number[];
  /** Each cancel's round trip: the commit lies within it. */
  readonly roundTrips: number[];
  readonly lost: number;
}

/** Cancels each order in turn, waiting for its event to reach every client before the next. */
export async function fanOut(
  origin: string,
  token: string,
  orderIds: readonly string[],
  pool: ClientPool,
): Promise<FanOutSamples> {
  const answeredAt = new Map<string, number>();
  const roundTrips: number[] = [];
  for (const id of orderIds) {
    const arrived = pool.arrived(id, ARRIVAL_TIMEOUT_MS);
    const sentAt = monotonicMs();
    const response = await api(origin, token, `/api/v1/orders/${id}/cancel`, { method: 'POST' });
    const at = monotonicMs();
    if (response.status !== 200) {
      arrived.catch(() => undefined);
      throw new Error(`cancelling order ${id}: ${response.status} ${await response.text()}`);
    }
    await response.arrayBuffer();
    answeredAt.set(id, at);
    roundTrips.push(at - sentAt);
    await arrived;
  }
  const arrivals = await pool.collect();
  const delays = (byOrder: Map<string, number[]>) =>
    [...byOrder].flatMap(([id, times]) => times.map((time) => time - answeredAt.get(id)!));
  return {
    socket: delays(arrivals.socket),
    stream: delays(arrivals.stream),
    roundTrips,
    lost: arrivals.lost,
  };
}
