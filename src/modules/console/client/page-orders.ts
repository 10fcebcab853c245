// Orders: the caller's orders (every order for a role with `orders:read:any`),
// newest first, with the state actions the API says the order allows now
// (`actions`: pay, cancel, ship, deliver). The list refreshes itself every
// few seconds; `watchOrders` is the one place a live channel (server-sent
// events or a WebSocket) replaces the polling when the service offers one.

import { request } from './api.ts';
import { actionButton, announce, dataTable, formatMoney, formatTime, h, replace } from './dom.ts';
import { every, type Page } from './page.ts';

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

/** Calls `changed` when orders may have changed, until `signal` aborts. */
export function watchOrders(signal: AbortSignal, changed: () => Promise<void>): void {
  every(POLL_MS, signal, changed);
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
    const draw = async () => {
      const orders = await request<{ data: Order[] }>('/api/v1/orders', {
        query: { limit: 50 },
        signal,
      });
      const act = (order: Order, action: string) =>
        actionButton(
          ACTION_LABELS[action] ?? action,
          async () => {
            const updated = await request<Order>(
              `/api/v1/orders/${encodeURIComponent(order.id)}/${encodeURIComponent(action)}`,
              { method: 'POST' },
            );
            announce(`Order ${order.id} is now ${updated.status}.`);
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
    await draw();
    watchOrders(signal, draw);
  },
};
