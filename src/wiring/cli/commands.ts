// The operators' commands. Each one calls the same service the HTTP routes
// call, as an actor named `cli:<os user>` with the administrators'
// permissions, so its reads see what an administrator sees and its changes
// are audited like theirs. A command answers with the data (`--json`) and
// how to show it to a person.

import { parseListRequest } from '../../modules/catalog/listing.ts';
import { nextCursor } from '../../modules/catalog/listing.ts';
import { productListQuery } from '../../modules/catalog/schemas.ts';
import type { CatalogService } from '../../modules/catalog/service.ts';
import type { CursorCodec } from '../../modules/catalog/cursor.ts';
import type { OrdersService } from '../../modules/orders/service.ts';
import { findCredentialsByEmail } from '../../modules/users/repo.ts';
import { isRole, ROLES } from '../../modules/users/rbac.ts';
import { email as emailSchema } from '../../modules/users/schemas.ts';
import type { Actor, UsersService } from '../../modules/users/service.ts';
import { usersError } from '../../modules/users/errors.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { Database } from '../tables.ts';
import { money, table } from './output.ts';

export interface CommandContext {
  readonly actor: Actor;
  readonly sql: SqlDatabase<Database>;
  readonly catalog: CatalogService;
  readonly cursors: CursorCodec;
  readonly orders: OrdersService;
  readonly users: UsersService;
}

export interface CommandResult {
  readonly json: unknown;
  readonly text: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Command {
  readonly usage: string;
  readonly summary: string;
  run(
    context: CommandContext,
    args: readonly string[],
    options: Readonly<Record<string, string | undefined>>,
  ): Promise<CommandResult>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  'products list': {
    usage: 'products list [--limit N] [--after CURSOR] [--sort KEYS] [--category SLUG]',
    summary: 'a page of the catalog, as GET /api/v1/products lists it',
    async run(context, _args, options) {
      const query: Record<string, string> = {};
      for (const name of ['limit', 'after', 'sort', 'category', 'brand', 'tag', 'q'] as const) {
        if (options[name] !== undefined) query[name] = options[name];
      }
      const spec = parseListRequest(productListQuery.parse(query), context.cursors);
      const page = await context.catalog.listProducts(spec);
      const next = nextCursor(spec, page, context.cursors);
      const rows = page.items.map((product) => ({
        id: product.id,
        sku: product.sku,
        title: product.title,
        price: money(product.price),
        stock: product.stock,
      }));
      const footer = `${page.items.length} of ${page.total}${next === undefined ? '' : `; next: --after ${next}`}`;
      return {
        json: { products: page.items, nextCursor: next ?? null, total: page.total },
        text: `${table(rows, ['id', 'sku', 'title', 'price', 'stock'])}\n${footer}`,
      };
    },
  },

  'orders show': {
    usage: 'orders show <id>',
    summary: 'one order with its lines, as GET /api/v1/orders/{id} shows it',
    async run(context, [id]) {
      if (id === undefined || !/^[1-9]\d{0,18}$/.test(id)) {
        throw new UsageError('orders show needs an order id');
      }
      const order = await context.orders.get(context.actor, id);
      const summary = table(
        [
          {
            id: order.id,
            user: order.userId,
            status: order.status,
            total: money(order.total),
            created: order.createdAt,
          },
        ],
        ['id', 'user', 'status', 'total', 'created'],
      );
      const lines = table(
        order.items.map((line) => ({
          product: line.productId,
          title: line.title,
          quantity: line.quantity,
          'unit price': money(line.unitPrice),
          'line total': money(line.lineTotal),
        })),
        ['product', 'title', 'quantity', 'unit price', 'line total'],
      );
      return { json: order, text: `${summary}\n\n${lines}` };
    },
  },

  'users grant-role': {
    usage: `users grant-role <email> <${ROLES.join('|')}>`,
    summary: 'change a user’s role (audited, ends their sessions), as the admin route does',
    async run(context, [address, role]) {
      if (address === undefined || role === undefined) {
        throw new UsageError('users grant-role needs an email and a role');
      }
      if (!isRole(role)) throw new UsageError(`the role must be one of ${ROLES.join(', ')}`);
      const parsed = emailSchema.safeParse(address);
      if (!parsed.success) throw new UsageError(`not an email address: ${address}`);
      const found = await findCredentialsByEmail(context.sql.db, parsed.data);
      if (found === undefined) {
        throw usersError('USERS_NOT_FOUND', { detail: `no user with email ${parsed.data}` });
      }
      const user = await context.users.changeRole(context.actor, found.user.id, role);
      return {
        json: user,
        text: table([{ id: user.id, email: user.email, role: user.role }], ['id', 'email', 'role']),
      };
    },
  },
};
