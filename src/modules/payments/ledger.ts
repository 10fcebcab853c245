// Moving money. There is exactly one way: `moveMoney`, inside the caller's
// transaction, so a payment commits or rolls back together with whatever it
// pays for (an order, an idempotency key). It
// 1. locks both wallets in id order — every mover takes the same order, so
//    two transfers in opposite directions wait for each other instead of
//    deadlocking;
// 2. refuses an overdraft with PAYMENTS_INSUFFICIENT_FUNDS, stating the
//    balance and the amount, before writing anything (the CHECK on the
//    balance is the backstop, not the check);
// 3. writes the transfer, its two ledger entries (-amount, +amount) and both
//    balances. The database re-checks at commit that the entries balance and
//    match the transfer (migrations/0007_payments.sql).
//
// An order is paid like a card: `chargeOrder` authorizes (the customer's
// money moves into the escrow wallet, at once, or the payment is refused),
// `captureOrder` captures later (escrow → merchant, the order-complete
// flow's job), and `refundOrder` pays back from wherever the money is by
// then. All three run in the caller's transaction while it holds the order's
// row lock, which is what orders one order's capture and refund.

import type { Transaction } from 'kysely';
import type { PaymentsDatabase, TransferKind } from './tables.ts';
import { paymentsError } from './errors.ts';
import { formatMoney } from './money.ts';
import {
  addToBalance,
  ensureSystemWallet,
  ensureUserWallet,
  findOrderTransfer,
  insertEntries,
  insertTransfer,
  isCurrencySupported,
  lockWallet,
  type WalletRecord,
} from './repo.ts';
import type { Transfer } from './schemas.ts';

type Trx = Transaction<PaymentsDatabase>;

export interface Movement {
  readonly kind: TransferKind;
  readonly fromWalletId: string;
  readonly toWalletId: string;
  /** Positive integer minor units. */
  readonly amount: number;
  readonly currency: string;
  readonly orderId?: string | null | undefined;
  /** The user who asked for it; null for the system. */
  readonly initiatedBy: string | null;
}

export async function moveMoney(trx: Trx, movement: Movement): Promise<Transfer> {
  const { amount, currency, fromWalletId, toWalletId } = movement;
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new RangeError(`a transfer moves a positive integer amount, got ${amount}`);
  }
  if (fromWalletId === toWalletId) {
    throw new RangeError(`a transfer needs two different wallets, got ${fromWalletId} twice`);
  }
  const locked = new Map<string, WalletRecord>();
  for (const id of [fromWalletId, toWalletId].sort(compareIds)) {
    locked.set(id, await lockWallet(trx, id));
  }
  const source = locked.get(fromWalletId)!;
  const destination = locked.get(toWalletId)!;
  if (source.currency !== currency || destination.currency !== currency) {
    throw new RangeError(
      `a ${currency} transfer between ${source.currency} and ${destination.currency} wallets`,
    );
  }
  if (source.kind !== 'funding' && source.balance < amount) {
    throw insufficientFunds(source, { amount, currency });
  }
  const created = await insertTransfer(trx, {
    kind: movement.kind,
    fromWalletId,
    toWalletId,
    amount,
    currency,
    orderId: movement.orderId ?? null,
    initiatedBy: movement.initiatedBy,
  });
  await insertEntries(trx, created.id, [
    { walletId: fromWalletId, amount: -amount },
    { walletId: toWalletId, amount },
  ]);
  await addToBalance(trx, fromWalletId, -amount);
  await addToBalance(trx, toWalletId, amount);
  return {
    id: created.id,
    kind: movement.kind,
    from: { kind: source.kind, userId: source.userId },
    to: { kind: destination.kind, userId: destination.userId },
    amount: { amount, currency },
    orderId: movement.orderId ?? null,
    createdAt: created.createdAt.toISOString(),
  };
}

function insufficientFunds(source: WalletRecord, needed: { amount: number; currency: string }) {
  const balance = { amount: source.balance, currency: source.currency };
  if (source.kind !== 'user') {
    // Not the caller's money: say what failed, not how much the shop holds.
    return paymentsError('PAYMENTS_INSUFFICIENT_FUNDS', {
      detail: `the ${source.kind} wallet cannot cover ${formatMoney(needed)}`,
    });
  }
  return paymentsError('PAYMENTS_INSUFFICIENT_FUNDS', {
    detail: `the wallet holds ${formatMoney(balance)}, less than the ${formatMoney(needed)} needed`,
    extensions: { balance, required: needed },
  });
}

/** Refuses a currency no wallet can be opened in (the `currencies` table). */
export async function assertCurrencySupported(trx: Trx, currency: string): Promise<void> {
  if (!(await isCurrencySupported(trx, currency))) {
    throw paymentsError('PAYMENTS_CURRENCY_UNSUPPORTED', {
      detail: `wallets do not hold ${currency}`,
    });
  }
}

/**
 * Pays an order from its owner's wallet into escrow, where it waits for the
 * capture. An order with a zero total needs no payment: nothing moves and
 * the result is undefined. A second charge of one order is refused (the
 * database's unique index on the order's payment is the backstop).
 */
export async function chargeOrder(
  trx: Trx,
  input: {
    userId: string;
    orderId: string;
    amount: number;
    currency: string;
    /** Who asked for the payment when it is not the owner (an admin); default the owner. */
    initiatedBy?: string | undefined;
  },
): Promise<Transfer | undefined> {
  if (input.amount === 0) return undefined;
  await assertCurrencySupported(trx, input.currency);
  if ((await findOrderTransfer(trx, input.orderId, 'order_payment')) !== undefined) {
    throw paymentsError('PAYMENTS_ORDER_ALREADY_PAID', {
      detail: `order ${input.orderId} is already paid`,
    });
  }
  const fromWalletId = await ensureUserWallet(trx, input.userId, input.currency);
  const toWalletId = await ensureSystemWallet(trx, 'escrow', input.currency);
  return moveMoney(trx, {
    kind: 'order_payment',
    fromWalletId,
    toWalletId,
    amount: input.amount,
    currency: input.currency,
    orderId: input.orderId,
    initiatedBy: input.initiatedBy ?? input.userId,
  });
}

/**
 * Moves an order's payment from escrow to the merchant wallet. Undefined
 * when there is nothing to capture: no payment (a zero total), a refund
 * already, or a payment made before captures existed (it went straight to
 * the merchant). A second call returns the first capture instead of moving
 * the money twice (the unique index on the order's capture is the backstop).
 */
export async function captureOrder(
  trx: Trx,
  input: { orderId: string },
): Promise<Transfer | undefined> {
  const payment = await findOrderTransfer(trx, input.orderId, 'order_payment');
  if (payment === undefined || payment.to.kind !== 'escrow') return undefined;
  const earlier = await findOrderTransfer(trx, input.orderId, 'order_capture');
  if (earlier !== undefined) return publicTransfer(earlier);
  if ((await findOrderTransfer(trx, input.orderId, 'refund')) !== undefined) return undefined;
  return moveMoney(trx, {
    kind: 'order_capture',
    fromWalletId: payment.toWalletId,
    toWalletId: await ensureSystemWallet(trx, 'merchant', payment.amount.currency),
    amount: payment.amount.amount,
    currency: payment.amount.currency,
    orderId: input.orderId,
    initiatedBy: null,
  });
}

/**
 * Pays an order's payment back into the wallet it came from, out of escrow
 * before the capture and out of the merchant wallet after it. Does nothing
 * (undefined) when the order was never paid; a second call returns the
 * first refund instead of paying twice.
 */
export async function refundOrder(
  trx: Trx,
  input: { orderId: string; initiatedBy?: string | undefined },
): Promise<Transfer | undefined> {
  const payment = await findOrderTransfer(trx, input.orderId, 'order_payment');
  if (payment === undefined) return undefined;
  const earlier = await findOrderTransfer(trx, input.orderId, 'refund');
  if (earlier !== undefined) return publicTransfer(earlier);
  const capture = await findOrderTransfer(trx, input.orderId, 'order_capture');
  return moveMoney(trx, {
    kind: 'refund',
    fromWalletId: capture?.toWalletId ?? payment.toWalletId,
    toWalletId: payment.fromWalletId,
    amount: payment.amount.amount,
    currency: payment.amount.currency,
    orderId: input.orderId,
    initiatedBy: input.initiatedBy ?? null,
  });
}

/** A transfer without its internal columns. */
export function publicTransfer(record: Transfer): Transfer {
  return {
    id: record.id,
    kind: record.kind,
    from: record.from,
    to: record.to,
    amount: record.amount,
    orderId: record.orderId,
    createdAt: record.createdAt,
  };
}

/** Ids are int8 text: compare as numbers, without Number's precision loss. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
