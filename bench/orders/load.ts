// The load for the outbox benchmark: wrk POSTing orders, with a Lua `request`
// hook that gives every request an Idempotency-Key of its own (a repeated
// key would be a replay: the stored response, no order placed) and walks the
// products round-robin, one unit each, so concurrent orders rarely wait on
// the same product row. The result line is the main harness's (wrkScript's
// `done` hook).

import type { LoadRun } from '../lib/load-result.ts';
import { runWrkScript, wrkScript } from '../lib/wrk.ts';

export const ORDERS_PATH = '/api/v1/orders';

export interface OrdersLoad {
  readonly token: string;
  /** Unique per run: keys from earlier runs are still stored (24 h). */
  readonly keyPrefix: string;
  /** Products 1..count are ordered in turn. */
  readonly productCount: number;
}

/** The body of the nth order (from 1): one unit of product ((n - 1) mod count) + 1. */
export function orderBody(n: number, productCount: number): string {
  return JSON.stringify({
    items: [{ productId: String(((n - 1) % productCount) + 1), quantity: 1 }],
  });
}

export function ordersScript(load: OrdersLoad): string {
  if (!/^[\x21-\x7e]+$/.test(load.keyPrefix) || load.keyPrefix.includes('"')) {
    throw new Error('the key prefix must be visible ASCII without quotes');
  }
  const base = wrkScript({
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${load.token}` },
    body: undefined,
  });
  return (
    base +
    [
      // Each wrk thread has a Lua state of its own: the thread number keeps their keys apart.
      'local threads = 0',
      'setup = function(thread)',
      '  threads = threads + 1',
      '  thread:set("thread_id", threads)',
      'end',
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  local product = (n - 1) % ${load.productCount} + 1`,
      `  local key = "${load.keyPrefix}-" .. (thread_id or 0) .. "-" .. n`,
      `  local body = '{"items":[{"productId":"' .. product .. '","quantity":1}]}'`,
      // Headers given to wrk.format replace wrk.headers rather than add to them.
      '  local headers = { ["idempotency-key"] = key }',
      '  for name, value in pairs(wrk.headers) do headers[name] = value end',
      `  return wrk.format(nil, "${ORDERS_PATH}", headers, body)`,
      'end',
      '',
    ].join('\n')
  );
}

export function startOrdersLoad(options: {
  readonly origin: string;
  readonly load: OrdersLoad;
  readonly connections: number;
  readonly durationSec: number;
  readonly cpu: number | undefined;
}): LoadRun {
  return runWrkScript({ ...options, script: ordersScript(options.load) });
}
