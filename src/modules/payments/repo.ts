// Payments persistence: wallets, transfers and their ledger entries. Rows
// map to domain shapes here, int8 amounts to exact numbers (money.ts). Every
// owner-facing read is scoped by the owner's wallet, so another user's money
// is indistinguishable from money that does not exist. Writes happen only
// through ledger.ts, inside the caller's transaction.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { PaymentsDatabase, TransferKind, WalletKind } from './tables.ts';
import { minorUnitsFromDb } from './money.ts';
import type { LedgerEntry, Transfer, WalletParty } from './schemas.ts';

// A transaction of a module with more tables (orders') is accepted as a
// Transaction of these, not as a Kysely: hence both.
type Db = Kysely<PaymentsDatabase> | Transaction<PaymentsDatabase>;
type Trx = Transaction<PaymentsDatabase>;

export async function isCurrencySupported(db: Db, currency: string): Promise<boolean> {
  const row = await db
    .selectFrom('currencies')
    .select('code')
    .where('code', '=', currency)
    .executeTakeFirst();
  return row !== undefined;
}

/** True for a user who exists and is not deleted. */
export async function isLiveUser(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

export interface WalletRecord {
  readonly id: string;
  readonly kind: WalletKind;
  readonly userId: string | null;
  readonly currency: string;
  /** Exact: balances are capped at 2^53 - 1 by the database. */
  readonly balance: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const WALLET_COLUMNS = [
  'id',
  'kind',
  'user_id',
  'currency',
  'balance',
  'created_at',
  'updated_at',
] as const;

function toWallet(row: {
  id: string;
  kind: WalletKind;
  user_id: string | null;
  currency: string;
  balance: string;
  created_at: Date;
  updated_at: Date;
}): WalletRecord {
  return {
    id: row.id,
    kind: row.kind,
    userId: row.user_id,
    currency: row.currency,
    balance: minorUnitsFromDb(row.balance),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findUserWallet(
  db: Db,
  userId: string,
  currency: string,
): Promise<WalletRecord | undefined> {
  const row = await db
    .selectFrom('wallets')
    .select(WALLET_COLUMNS)
    .where('user_id', '=', userId)
    .where('currency', '=', currency)
    .executeTakeFirst();
  return row === undefined ? undefined : toWallet(row);
}

/**
 * The id of the user's wallet in `currency`, opened on first use. The insert
 * only runs when the wallet is missing (no identity value burnt per call);
 * two first uses at once both end up with the one row, because ON CONFLICT
 * DO NOTHING waits for the other insert and then finds it committed.
 */
export async function ensureUserWallet(
  trx: Trx,
  userId: string,
  currency: string,
): Promise<string> {
  const find = () =>
    trx
      .selectFrom('wallets')
      .select('id')
      .where('user_id', '=', userId)
      .where('currency', '=', currency)
      .executeTakeFirst();
  const found = await find();
  if (found !== undefined) return found.id;
  await trx
    .insertInto('wallets')
    .values({ kind: 'user', user_id: userId, currency })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  return (await find())!.id;
}

/** The merchant, escrow or funding wallet of `currency`, opened on first use like a user's. */
export async function ensureSystemWallet(
  trx: Trx,
  kind: Exclude<WalletKind, 'user'>,
  currency: string,
): Promise<string> {
  const find = () =>
    trx
      .selectFrom('wallets')
      .select('id')
      .where('kind', '=', kind)
      .where('currency', '=', currency)
      .where('user_id', 'is', null)
      .executeTakeFirst();
  const found = await find();
  if (found !== undefined) return found.id;
  await trx
    .insertInto('wallets')
    .values({ kind, user_id: null, currency })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  return (await find())!.id;
}

/** Row-locks one wallet (FOR UPDATE) and returns it as it is now. */
export async function lockWallet(trx: Trx, id: string): Promise<WalletRecord> {
  const row = await trx
    .selectFrom('wallets')
    .select(WALLET_COLUMNS)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return toWallet(row);
}

export async function addToBalance(trx: Trx, walletId: string, delta: number): Promise<void> {
  await trx
    .updateTable('wallets')
    .set((eb) => ({ balance: eb('balance', '+', String(delta)), updated_at: sql<Date>`now()` }))
    .where('id', '=', walletId)
    .execute();
}

export async function insertTransfer(
  trx: Trx,
  values: {
    kind: TransferKind;
    fromWalletId: string;
    toWalletId: string;
    amount: number;
    currency: string;
    orderId: string | null;
    initiatedBy: string | null;
  },
): Promise<{ id: string; createdAt: Date }> {
  const row = await trx
    .insertInto('transfers')
    .values({
      kind: values.kind,
      from_wallet_id: values.fromWalletId,
      to_wallet_id: values.toWalletId,
      amount: values.amount,
      currency: values.currency,
      order_id: values.orderId,
      initiated_by: values.initiatedBy,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, createdAt: row.created_at };
}

export async function insertEntries(
  trx: Trx,
  transferId: string,
  entries: readonly { walletId: string; amount: number }[],
): Promise<void> {
  await trx
    .insertInto('ledger_entries')
    .values(
      entries.map((entry) => ({
        transfer_id: transferId,
        wallet_id: entry.walletId,
        amount: entry.amount,
      })),
    )
    .execute();
}

function party(kind: WalletKind, userId: string | null): WalletParty {
  return { kind, userId };
}

export interface TransferRecord extends Transfer {
  readonly fromWalletId: string;
  readonly toWalletId: string;
  readonly initiatedBy: string | null;
}

function transfersWithParties(db: Db) {
  return db
    .selectFrom('transfers as t')
    .innerJoin('wallets as fw', 'fw.id', 't.from_wallet_id')
    .innerJoin('wallets as tw', 'tw.id', 't.to_wallet_id')
    .select([
      't.id',
      't.kind',
      't.amount',
      't.currency',
      't.order_id',
      't.initiated_by',
      't.created_at',
      't.from_wallet_id',
      't.to_wallet_id',
      'fw.kind as from_kind',
      'fw.user_id as from_user_id',
      'tw.kind as to_kind',
      'tw.user_id as to_user_id',
    ]);
}

type TransferRow = Awaited<
  ReturnType<ReturnType<typeof transfersWithParties>['executeTakeFirstOrThrow']>
>;

function toTransferRecord(row: TransferRow): TransferRecord {
  return {
    id: row.id,
    kind: row.kind,
    from: party(row.from_kind, row.from_user_id),
    to: party(row.to_kind, row.to_user_id),
    amount: { amount: minorUnitsFromDb(row.amount), currency: row.currency },
    orderId: row.order_id,
    createdAt: row.created_at.toISOString(),
    fromWalletId: row.from_wallet_id,
    toWalletId: row.to_wallet_id,
    initiatedBy: row.initiated_by,
  };
}

export async function findTransfer(db: Db, id: string): Promise<TransferRecord | undefined> {
  const row = await transfersWithParties(db).where('t.id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toTransferRecord(row);
}

/** The order's payment, capture or refund, if it has one (there is at most one of each). */
export async function findOrderTransfer(
  db: Db,
  orderId: string,
  kind: 'order_payment' | 'order_capture' | 'refund',
): Promise<TransferRecord | undefined> {
  const row = await transfersWithParties(db)
    .where('t.order_id', '=', orderId)
    .where('t.kind', '=', kind)
    .executeTakeFirst();
  return row === undefined ? undefined : toTransferRecord(row);
}

/**
 * One wallet's entries, newest first, keyset-paged by id. Each entry's
 * counterparty is the other leg of its transfer (a transfer has exactly two,
 * which the database enforces).
 */
export async function listEntries(
  db: Db,
  walletId: string,
  options: { limit: number; before?: string | undefined },
): Promise<LedgerEntry[]> {
  let query = db
    .selectFrom('ledger_entries as e')
    .innerJoin('transfers as t', 't.id', 'e.transfer_id')
    .innerJoin('ledger_entries as other', (join) =>
      join
        .onRef('other.transfer_id', '=', 'e.transfer_id')
        .onRef('other.wallet_id', '<>', 'e.wallet_id'),
    )
    .innerJoin('wallets as cw', 'cw.id', 'other.wallet_id')
    .select([
      'e.id',
      'e.transfer_id',
      'e.amount',
      'e.created_at',
      't.kind',
      't.currency',
      't.order_id',
      'cw.kind as counterparty_kind',
      'cw.user_id as counterparty_user_id',
    ])
    .where('e.wallet_id', '=', walletId)
    .orderBy('e.id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('e.id', '<', options.before);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    transferId: row.transfer_id,
    kind: row.kind,
    amount: { amount: minorUnitsFromDb(row.amount), currency: row.currency },
    counterparty: party(row.counterparty_kind, row.counterparty_user_id),
    orderId: row.order_id,
    createdAt: row.created_at.toISOString(),
  }));
}
