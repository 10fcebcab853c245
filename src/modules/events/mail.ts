// The mail the service sends because something happened: the verification
// link after `user.registered`, the receipt after `order.paid`. Each handler
// reads the current state first (the event only names what changed), so a
// late or repeated delivery does nothing wrong: no link for an address
// verified meanwhile, nothing for a user or order that is gone.
//
// Delivery is at least once (registry.ts): a job retried after its mail went
// out sends it again — for the verification mail that is a fresh link that
// supersedes the first, and the per-window limit still applies.

import type { Database } from '../../db/schema.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AccountLinks } from '../auth/account-mail.ts';
import { findAccount } from '../auth/account-repo.ts';
import { mailVerification } from '../auth/account-service.ts';
import { orderReceiptMail } from '../orders/receipt-mail.ts';
import { findItems, findOrder } from '../orders/repo.ts';
import type { EventHandlers } from './registry.ts';

export interface MailConsumerDeps {
  readonly sql: SqlDatabase<Database>;
  readonly mailer: Mailer;
  readonly links: AccountLinks;
}

export function registerMailConsumers(handlers: EventHandlers, deps: MailConsumerDeps): void {
  const { sql, mailer } = deps;

  handlers.onEvent('user.registered', async (event) => {
    const account = await findAccount(sql.db, event.data.userId);
    if (account === undefined || account.emailVerified) return;
    await mailVerification(deps, account);
  });

  handlers.onEvent('order.paid', async (event) => {
    const [order, account] = await Promise.all([
      findOrder(sql.db, event.data.orderId),
      findAccount(sql.db, event.data.userId),
    ]);
    if (order === undefined || account === undefined) return;
    const items = (await findItems(sql.db, [order.id])).get(order.id) ?? [];
    await mailer.send(orderReceiptMail(account.email, order, items));
  });
}
