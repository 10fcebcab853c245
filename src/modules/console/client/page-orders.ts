// Orders: the caller's orders (every order for a role with `orders:read:any`),
// newest first, with the state actions the API says the order allows now
// (`actions`: pay, cancel, ship, deliver). The list follows the service's
// event streams (`watchOrders`): a status changed anywhere shows here
// without a reload, and is announced to screen readers.

import { request } from './api.ts';
import { actionButton, announce, dataTable, formatMoney, formatTime, h, replace } from './dom.ts';
import { followStream, type FollowedStream } from './event-stream.ts';
import { every, type Page, type PageContext } from './page.ts';

interface Order {
  readonly id: string;
  readonly status: string;
  readonly items: readonly { readonly title: string; readonly quantity: number }[];
  readonly total: { readonly amount: number; readonly currency: string };
  readonly actions: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

const POLL_MS = 10_000;
const ORDER_EVENTS = [
  'order.placed',
  'order.paid',
  'order.cancelled',
  'order.shipped',
  'order.settled',
];
// A browser opens at most six HTTP/1.1 connections to one origin and every
// stream holds one: a shopper follows this many orders live, the rest (and
// orders placed elsewhere) on the timer.
const MAX_ORDER_STREAMS = 3;

export interface OrderWatch {
  /** After each draw: the orders shown that can still change, newest first. */
  follow(orderIds: readonly string[]): void;
}

/** Runs `task` again once it finishes when asked meanwhile: bursts of events make one more draw. */
function coalesced(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    task()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          run();
        }
      });
  };
  return run;
}

/**
 * Calls `changed` when orders may have changed, until the page is left.
 * Staff with `ops:read` follow the admin stream (every order's events, one
 * connection); anyone else follows their unfinished orders' own streams and
 * polls. A refused stream falls back to polling.
 */
export function watchOrders(context: PageContext, changed: () => Promise<void>): OrderWatch {
  const { signal } = context;
  const redraw = coalesced(changed);
  let polling = false;
  const poll = (): void => {
    if (polling || signal.aborted) return;
    polling = true;
    every(POLL_MS, signal, () => {
      redraw();
      return Promise.resolve();
    });
  };
  const streams = new Map<string, FollowedStream>();
  const refused = new Set<string>();
  signal.addEventListener('abort', () => {
    for (const stream of streams.values()) stream.close();
    streams.clear();
  });
  if (context.can('ops:read')) {
    streams.set(
      'admin',
      followStream('/api/v1/admin/events', ORDER_EVENTS, { event: redraw, refused: poll }),
    );
    return { follow: () => undefined };
  }
  poll();
  return {
    follow(orderIds) {
      if (signal.aborted) return;
      const wanted = new Set(orderIds.filter((id) => !refused.has(id)).slice(0, MAX_ORDER_STREAMS));
      for (const [id, stream] of streams) {
        if (wanted.has(id)) continue;
        stream.close();
        streams.delete(id);
      }
      for (const id of wanted) {
        if (streams.has(id)) continue;
        const url = `/api/v1/orders/${encodeURIComponent(id)}/events`;
        const stream = followStream(url, ORDER_EVENTS, {
          event: redraw,
          refused: () => {
            refused.add(id);
            streams.get(id)?.close();
            streams.delete(id);
          },
        });
        streams.set(id, stream);
      }
    },
  };
}

const ACTION_LABELS: Readonly<Record<string, string>> = {
  pay: 'Pay',
  cancel: 'Cancel',
  ship: 'Ship',
  deliver: 'Mark delivered',
};

export const ordersPage: Page = {
  path: 'orders',
  title: 'Orders',
  permission: 'orders:read:own',
  async render(view, context) {
    const { signal } = context;
    // Each order's status at the last draw: a change that came from elsewhere is announced.
    let shown: Map<string, string> | undefined;
    const draw = async () => {
      const orders = await request<{ data: Order[] }>('/api/v1/orders', {
        query: { limit: 50 },
        signal,
      });
      if (signal.aborted) return;
      const changes = orders.data.filter(
        (order) => shown?.has(order.id) === true && shown.get(order.id) !== order.status,
      );
      shown = new Map(orders.data.map((order) => [order.id, order.status]));
      if (changes.length > 0) {
        announce(changes.map((order) => `Order ${order.id} is now ${order.status}.`).join(' '));
      }
      watch.follow(
        orders.data.filter((order) => order.actions.length > 0).map((order) => order.id),
      );
      const act = (order: Order, action: string) =>
        actionButton(
          ACTION_LABELS[action] ?? action,
          async () => {
            const updated = await request<Order>(
              `/api/v1/orders/${encodeURIComponent(order.id)}/${encodeURIComponent(action)}`,
              { method: 'POST' },
            );
            announce(`Order ${order.id} is now ${updated.status}.`);
            shown?.set(order.id, updated.status);
            await draw();
          },
          { 'aria-label': `${ACTION_LABELS[action] ?? action} order ${order.id}` },
        );
      replace(
        view,
        dataTable(
          'Orders, newest first',
          [
            {
              header: 'Order',
              cell: (order) => h('code', {}, order.id),
            },
            { header: 'Placed', cell: (order) => formatTime(order.createdAt) },
            {
              header: 'Status',
              cell: (order) => h('span', { class: `badge ${order.status}` }, order.status),
            },
            {
              header: 'Items',
              cell: (order) =>
                order.items.map((item) => `${item.quantity} × ${item.title}`).join(', '),
            },
            { header: 'Total', cell: (order) => formatMoney(order.total), numeric: true },
            {
              header: 'Actions',
              cell: (order) =>
                order.actions.length === 0
                  ? '—'
                  : h(
                      'span',
                      { class: 'actions' },
                      order.actions.map((action) => act(order, action)),
                    ),
            },
          ],
          orders.data,
          'no order yet.',
        ),
      );
    };
    // Following starts before the first draw: nothing that happens meanwhile is missed.
    const watch = watchOrders(context, draw);
    await draw();
  },
};
