// Wallets and transfers over HTTP. Sending money needs an Idempotency-Key: a
// retry with the same key gets the first 201 again (Idempotent-Replayed:
// true) and moves nothing. Admin credits take the key too, optionally.
// Every response is `no-store`: balances are personal and change with every
// movement.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyHeaders,
} from '../../http/idempotency-key.ts';
import type { Context } from '../../http/context.ts';
import { actorOf } from '../auth/authenticate.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import {
  creditRequest,
  entriesQuery,
  entryPage,
  transfer,
  transferRequest,
  wallet,
  walletQuery,
} from './schemas.ts';
import type { MadeTransfer, PaymentsService } from './service.ts';

/** The key is optional here: present, it is validated like on routes that require it. */
const optionalIdempotencyKey = idempotencyKeyHeaders.partial();

function sendMade(c: Context, made: MadeTransfer): void {
  if (made.replayed) c.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
  c.set('cache-control', cacheControl.noStore);
  c.created(made.location, made.transfer);
}

export function registerPaymentsRoutes(app: App, payments: PaymentsService): void {
  app.group('/api/v1', { tags: ['payments'] }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/wallet',
      permissions: ['wallet:use'],
      summary: 'Your wallet’s balance',
      schema: { query: walletQuery, responses: { 200: wallet } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        return payments.wallet(actorOf(c), c.input.query.currency);
      },
    });

    v1.route({
      method: 'GET',
      path: '/wallet/entries',
      permissions: ['wallet:use'],
      summary: 'Your wallet’s ledger entries, newest first',
      schema: { query: entriesQuery, responses: { 200: entryPage } },
      handler: async (c) => {
        const { limit, before, currency } = c.input.query;
        const page = await payments.entries(actorOf(c), { currency, limit: limit + 1, before });
        const hasMore = page.length > limit;
        const data = page.slice(0, limit);
        const base = `/api/v1/wallet/entries?currency=${currency}&limit=${limit}`;
        c.set('cache-control', cacheControl.noStore);
        return {
          data,
          meta: { limit, hasMore },
          links: {
            self: before === undefined ? base : `${base}&before=${before}`,
            next: hasMore ? `${base}&before=${data.at(-1)!.id}` : null,
          },
        };
      },
    });

    v1.route({
      method: 'POST',
      path: '/transfers',
      permissions: ['wallet:use'],
      summary: 'Send money to another user; idempotent per Idempotency-Key for 24 h',
      schema: {
        headers: idempotencyKeyHeaders,
        body: transferRequest,
        responses: {
          201: { description: 'Sent (or the replay of the first send)', schema: transfer },
        },
      },
      handler: async (c) => {
        const made = await payments.transfer(
          actorOf(c),
          c.input.body,
          c.input.headers[IDEMPOTENCY_KEY_HEADER],
        );
        sendMade(c, made);
      },
    });

    v1.route({
      method: 'GET',
      path: '/transfers/:id',
      permissions: ['wallet:use'],
      summary: 'A transfer you sent, received or initiated',
      schema: { params: z.strictObject({ id: bigintId }), responses: { 200: transfer } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        return payments.getTransfer(actorOf(c), c.input.params.id);
      },
    });

    v1.route({
      method: 'POST',
      path: '/admin/wallets/:userId/credits',
      permissions: ['wallets:credit'],
      tags: ['admin'],
      summary: 'Credit a user’s wallet from the funding wallet (audited)',
      schema: {
        params: z.strictObject({ userId: bigintId }),
        headers: optionalIdempotencyKey,
        body: creditRequest,
        responses: { 201: { description: 'Credited', schema: transfer } },
      },
      handler: async (c) => {
        const made = await payments.credit(
          actorOf(c),
          c.input.params.userId,
          c.input.body,
          c.input.headers[IDEMPOTENCY_KEY_HEADER],
        );
        sendMade(c, made);
      },
    });
  });
}
