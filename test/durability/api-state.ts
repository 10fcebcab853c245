// The crash run's outcome as a client sees it after the last restart: every
// account signs in with its password, its wallet shows the balance its
// owner was told, and its order list holds exactly the acknowledged orders,
// each with its content and status.

import type { Workload } from './model.ts';
import { send, type RequestContext } from './requests.ts';

interface ListedOrder {
  readonly id: string;
  readonly status: string;
  readonly total: { readonly amount: number };
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
}

export async function apiViolations(ctx: RequestContext, workload: Workload): Promise<string[]> {
  const violations: string[] = [];
  for (const customer of workload.customers) {
    const login = await send(ctx, 'POST', '/api/v1/auth/login', {
      json: { email: customer.email, password: customer.password },
    });
    if ('lost' in login || login.status !== 200) {
      violations.push(`${customer.email} cannot sign in: ${JSON.stringify(login)}`);
      continue;
    }
    const token = String(login.body.accessToken);
    const wallet = await send(ctx, 'GET', '/api/v1/wallet', { token });
    const balance =
      'lost' in wallet ? undefined : (wallet.body.balance as { amount: number } | undefined);
    if (balance?.amount !== customer.balance) {
      violations.push(
        `${customer.email}: wallet shows ${JSON.stringify(balance)}, told ${customer.balance}`,
      );
    }
    const listed = await listOrders(ctx, token);
    const told = new Map(customer.orders.map((order) => [order.id, order]));
    for (const order of listed) {
      const model = told.get(order.id);
      const lines = order.items.map((line) => ({
        productId: line.productId,
        quantity: line.quantity,
      }));
      if (model === undefined) {
        violations.push(`${customer.email} lists order ${order.id} nobody placed`);
      } else if (
        order.status !== model.status ||
        order.total.amount !== model.total ||
        JSON.stringify(lines) !== JSON.stringify(model.items)
      ) {
        violations.push(
          `order ${order.id} reads ${JSON.stringify(order)}, told ${JSON.stringify(model)}`,
        );
      }
    }
    const listedIds = new Set(listed.map((order) => order.id));
    for (const order of customer.orders) {
      if (!listedIds.has(order.id)) violations.push(`${customer.email} misses order ${order.id}`);
    }
  }
  return violations;
}

/** GET /api/v1/orders, every page. */
async function listOrders(ctx: RequestContext, token: string): Promise<ListedOrder[]> {
  const orders: ListedOrder[] = [];
  let path: string | null = '/api/v1/orders?limit=100';
  while (path !== null) {
    const page = await send(ctx, 'GET', path, { token });
    if ('lost' in page || page.status !== 200) {
      throw new Error(`GET ${path}: ${JSON.stringify(page)}`);
    }
    orders.push(...(page.body.data as ListedOrder[]));
    path = (page.body.links as { next: string | null }).next;
  }
  return orders;
}
