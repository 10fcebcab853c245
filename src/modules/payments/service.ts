// Payments use cases: one's own wallet and statement, transfers between
// users, and admin credits out of the funding wallet. Every movement goes
// through ledger.ts inside one transaction; transfers (and credits sent with
// an Idempotency-Key) run under the key, so a retry gets the first result
// and concurrent duplicates move money once. Visibility: a wallet and its
// entries are only ever the caller's own; a transfer is visible to its two
// users and to whoever initiated it, and answers 404 to anyone else, exactly
// like one that does not exist.

import type { Transaction } from 'kysely';
import { runIdempotent } from '../../platform/sql/idempotency.ts';
import type { PaymentsDatabase } from './tables.ts';
import { isAppError } from '../../errors/index.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { Actor } from '../users/service.ts';
import { paymentsError } from './errors.ts';
import { assertCurrencySupported, moveMoney, publicTransfer } from './ledger.ts';
import {
  ensureSystemWallet,
  ensureUserWallet,
  findTransfer,
  findUserWallet,
  isCurrencySupported,
  isLiveUser,
  listEntries,
} from './repo.ts';
import type { CreditRequest, LedgerEntry, Transfer, TransferRequest, Wallet } from './schemas.ts';

export { chargeOrder, refundOrder } from './ledger.ts';

export interface MadeTransfer {
  readonly transfer: Transfer;
  readonly location: string;
  /** The stored result of an earlier request with the same idempotency key. */
  readonly replayed: boolean;
}

export interface PaymentsService {
  /** The caller's balance in `currency`; zero before their wallet's first use. */
  wallet(actor: Actor, currency: string): Promise<Wallet>;
  /** The caller's ledger entries, newest first (ask for one more than a page to see if more exist). */
  entries(
    actor: Actor,
    options: { currency: string; limit: number; before?: string | undefined },
  ): Promise<LedgerEntry[]>;
  transfer(actor: Actor, input: TransferRequest, idempotencyKey: string): Promise<MadeTransfer>;
  getTransfer(actor: Actor, id: string): Promise<Transfer>;
  /** Funding → the user's wallet; audited. Idempotent when a key is given. */
  credit(
    actor: Actor,
    userId: string,
    input: CreditRequest,
    idempotencyKey?: string,
  ): Promise<MadeTransfer>;
}

export function transferLocation(id: string): string {
  return `/api/v1/transfers/${id}`;
}

export function createPaymentsService(deps: {
  sql: SqlDatabase<PaymentsDatabase>;
  audit: AuditSink;
}): PaymentsService {
  const { sql, audit } = deps;

  /** Runs `fn` under the idempotency key when there is one, else in a plain transaction. */
  async function once(
    key: { scope: string; key: string | undefined; request: unknown },
    fn: (trx: Transaction<PaymentsDatabase>) => Promise<Transfer>,
  ): Promise<MadeTransfer> {
    const idempotencyKey = key.key;
    if (idempotencyKey === undefined) {
      const transfer = await sql.withTransaction(fn);
      return { transfer, location: transferLocation(transfer.id), replayed: false };
    }
    const response = await runIdempotent(
      sql,
      { scope: key.scope, key: idempotencyKey, request: key.request },
      async (trx) => {
        const transfer = await fn(trx);
        return {
          status: 201,
          headers: { location: transferLocation(transfer.id) },
          body: transfer,
        };
      },
    );
    const transfer = response.body as Transfer;
    return { transfer, location: transferLocation(transfer.id), replayed: response.replayed };
  }

  async function assertSupported(currency: string) {
    if (!(await isCurrencySupported(sql.db, currency))) {
      throw paymentsError('PAYMENTS_CURRENCY_UNSUPPORTED', {
        detail: `wallets do not hold ${currency}`,
      });
    }
  }

  const recipientNotFound = (id: string) =>
    paymentsError('PAYMENTS_RECIPIENT_NOT_FOUND', { detail: `no user with id ${id}` });

  return {
    async wallet(actor, currency) {
      // Balances are money: read from the primary, never a lagging replica.
      const found = await findUserWallet(sql.db, actor.id, currency);
      if (found === undefined) {
        await assertSupported(currency);
        return { userId: actor.id, balance: { amount: 0, currency }, updatedAt: null };
      }
      return {
        userId: actor.id,
        balance: { amount: found.balance, currency: found.currency },
        updatedAt: found.updatedAt.toISOString(),
      };
    },

    async entries(actor, options) {
      const found = await findUserWallet(sql.db, actor.id, options.currency);
      if (found === undefined) {
        await assertSupported(options.currency);
        return [];
      }
      return listEntries(sql.db, found.id, options);
    },

    async transfer(actor, input, idempotencyKey) {
      if (input.toUserId === actor.id) {
        throw paymentsError('PAYMENTS_SELF_TRANSFER', {
          detail: 'the recipient is your own wallet; send to another user',
          errors: [
            { field: 'toUserId', in: 'body', code: 'self', message: 'must not be your own id' },
          ],
        });
      }
      const { currency, amount } = input.amount;
      return once(
        { scope: `user:${actor.id}:transfers`, key: idempotencyKey, request: input },
        async (trx) => {
          await assertCurrencySupported(trx, currency);
          if (!(await isLiveUser(trx, input.toUserId))) throw recipientNotFound(input.toUserId);
          // The sender's wallet is only opened here to be locked: an empty
          // one fails the funds check below and rolls back with it.
          const fromWalletId = await ensureUserWallet(trx, actor.id, currency);
          const toWalletId = await ensureUserWallet(trx, input.toUserId, currency);
          return moveMoney(trx, {
            kind: 'transfer',
            fromWalletId,
            toWalletId,
            amount,
            currency,
            initiatedBy: actor.id,
          });
        },
      );
    },

    async getTransfer(actor, id) {
      const found = await findTransfer(sql.db, id);
      const visible =
        found !== undefined &&
        (found.from.userId === actor.id ||
          found.to.userId === actor.id ||
          found.initiatedBy === actor.id);
      if (!visible) {
        throw paymentsError('PAYMENTS_TRANSFER_NOT_FOUND', { detail: `no transfer with id ${id}` });
      }
      return publicTransfer(found);
    },

    async credit(actor, userId, input, idempotencyKey) {
      const { currency, amount } = input.amount;
      let made: MadeTransfer;
      try {
        made = await once(
          {
            scope: `user:${actor.id}:wallet-credits`,
            key: idempotencyKey,
            request: { userId, ...input },
          },
          async (trx) => {
            await assertCurrencySupported(trx, currency);
            if (!(await isLiveUser(trx, userId))) throw recipientNotFound(userId);
            const fromWalletId = await ensureSystemWallet(trx, 'funding', currency);
            const toWalletId = await ensureUserWallet(trx, userId, currency);
            return moveMoney(trx, {
              kind: 'credit',
              fromWalletId,
              toWalletId,
              amount,
              currency,
              initiatedBy: actor.id,
            });
          },
        );
      } catch (error) {
        // Refusals are audited; an outage is not an admin action (and is logged anyway).
        if (!isAppError(error) || !error.code.startsWith('PAYMENTS_')) throw error;
        await audit.record({
          action: 'admin.wallet_credited',
          outcome: 'failure',
          actorId: actor.id,
          actorIp: actor.ip,
          targetType: 'user',
          targetId: userId,
          details: { amount, currency },
        });
        throw error;
      }
      if (!made.replayed) {
        await audit.record({
          action: 'admin.wallet_credited',
          outcome: 'success',
          actorId: actor.id,
          actorIp: actor.ip,
          targetType: 'user',
          targetId: userId,
          details: { transferId: made.transfer.id, amount, currency },
        });
      }
      return made;
    },
  };
}
