// Wallets and transfers over HTTP. Sending money needs an Idempotency-Key: a
// retry with the same key gets the first 201 again (Idempotent-Replayed:
// true) and moves nothing. Admin credits take the key too, optionally.
// Every response is `no-store`: balances are personal and change with every
// movement.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyKeyHeaders,
} from '../../http/request/idempotency-key.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import {
  creditRequest,
  entriesQuery,
  EXAMPLE_CREDIT,
  entryPage,
  transfer,
  transferRequest,
  wallet,
  walletQuery,
} from './schemas.ts';
import type { MadeTransfer, PaymentsService } from './service.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';

/** The key is optional here: present, it is validated like on routes that require it. */
const optionalIdempotencyKey = idempotencyKeyHeaders.partial();

function sendMade(c: Context, made: MadeTransfer): void {
  if (made.replayed) c.set(IDEMPOTENT_REPLAYED_HEADER, 'true');
  c.set('cache-control', cacheControl.noStore);
  c.created(made.location, made.transfer);
}

export function registerPaymentsRoutes(app: App, payments: PaymentsService): void {
  app.group('/api/v1', { tags: ['payments'], errors: DATABASE_ERRORS }, (v1) => {
    v1.route({
      method: 'GET',
      path: '/wallet',
      permissions: ['wallet:use'],
      operationId: 'getWallet',
      summary: 'Your wallet balance',
      description:
        'The balance in one currency, in integer minor units. A wallet nothing was ever paid into has a zero balance and no `updatedAt`.',
      errors: ['PAYMENTS_CURRENCY_UNSUPPORTED'],
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
      operationId: 'listWalletEntries',
      summary: 'Your wallet ledger',
      description:
        'Every credit and debit of your wallet in one currency, newest first, paged with `before` (follow links.next).',
      errors: ['PAYMENTS_CURRENCY_UNSUPPORTED'],
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
      operationId: 'createTransfer',
      summary: 'Send money to another user',
      description:
        "Moves money from your wallet to another user's at once. Requires Idempotency-Key: a retry with the same key within 24 hours gets the first 201 again (Idempotent-Replayed: true) and moves nothing. A balance below the amount is 422 PAYMENTS_INSUFFICIENT_FUNDS.",
      errors: [
        'PAYMENTS_SELF_TRANSFER',
        'PAYMENTS_CURRENCY_UNSUPPORTED',
        'PAYMENTS_RECIPIENT_NOT_FOUND',
        'PAYMENTS_INSUFFICIENT_FUNDS',
        'IDEMPOTENCY_KEY_REUSED',
      ],
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
      operationId: 'getTransfer',
      summary: 'Read a transfer',
      description:
        'A transfer you sent, received or initiated; any other is 404 PAYMENTS_TRANSFER_NOT_FOUND, like one that does not exist.',
      errors: ['PAYMENTS_TRANSFER_NOT_FOUND'],
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
      operationId: 'creditWallet',
      summary: 'Credit a user’s wallet',
      description:
        "Pays an amount from the shop's funding wallet into a user's wallet; audited, refusals included. Idempotency-Key is optional here and works as for createTransfer when sent.",
      errors: [
        'PAYMENTS_CURRENCY_UNSUPPORTED',
        'PAYMENTS_RECIPIENT_NOT_FOUND',
        'IDEMPOTENCY_KEY_REUSED',
      ],
      schema: {
        params: z.strictObject({ userId: bigintId }),
        headers: optionalIdempotencyKey,
        body: creditRequest,
        responses: {
          201: { description: 'Credited', schema: transfer.meta({ example: EXAMPLE_CREDIT }) },
        },
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
