// The mail the service sends because something happened: the welcome mail,
// with the verification link, after `user.registered` (the receipt after `order.paid` is a step of
// the order-complete flow, orders/complete.ts). Each handler
// reads the current state first (the event only names what changed), so a
// late or repeated delivery does nothing wrong: no link for an address
// verified meanwhile, nothing for a user or order that is gone.
//
// Delivery is at least once (registry.ts): a job retried after its mail went
// out sends it again — for the welcome mail that is a fresh link that
// supersedes the first, and the per-window limit still applies.

import type { AuthDatabase } from './tables.ts';
import type { Mailer } from '../../ports/mailer.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AccountLinks } from './account-mail.ts';
import { mailWelcome } from './welcome-mail.ts';
import { findUserById } from '../users/repo.ts';
import type { EventHandlers } from '../events/registry.ts';

export interface MailConsumerDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly mailer: Mailer;
  readonly links: AccountLinks;
}

export function registerMailConsumers(handlers: EventHandlers, deps: MailConsumerDeps): void {
  const { sql } = deps;

  handlers.onEvent('user.registered', async (event) => {
    const user = await findUserById(sql.db, event.data.userId);
    if (user === undefined || user.emailVerified) return;
    await mailWelcome(deps, user);
  });
}
