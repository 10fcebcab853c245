// The payments tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType } from 'kysely';
import type { Id, Ref } from '../../platform/sql/columns.ts';
import type { IdempotencyTables } from '../../platform/sql/idempotency.ts';
import type { UsersDatabase } from '../users/tables.ts';

/** int8 minor units: read as string, written as string or number. */
type Amount = ColumnType<string, string | number, never>;

export type WalletKind = 'user' | 'merchant' | 'funding' | 'escrow';

export type TransferKind = 'transfer' | 'order_payment' | 'order_capture' | 'refund' | 'credit';

export interface CurrenciesTable {
  code: string;
}

export interface WalletsTable {
  id: Id;
  kind: WalletKind;
  /** Set exactly for `user` wallets. */
  user_id: Ref | null;
  currency: string;
  /** int8: read as string; changed only by moving money (modules/payments/ledger.ts). */
  balance: ColumnType<string, string | number | undefined, string | number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Append-only, like ledger_entries: a trigger refuses UPDATE, DELETE and TRUNCATE. */
export interface TransfersTable {
  id: Id;
  kind: ColumnType<TransferKind, TransferKind, never>;
  from_wallet_id: ColumnType<string, string, never>;
  to_wallet_id: ColumnType<string, string, never>;
  amount: Amount;
  currency: ColumnType<string, string, never>;
  order_id: ColumnType<string | null, string | null | undefined, never>;
  initiated_by: ColumnType<string | null, string | null | undefined, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface LedgerEntriesTable {
  id: Id;
  transfer_id: ColumnType<string, string, never>;
  wallet_id: ColumnType<string, string, never>;
  /** Signed: negative debits the wallet, positive credits it. */
  amount: Amount;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** The tables this code owns, as Kysely sees them. */
export type PaymentsTables = {
  currencies: CurrenciesTable;
  wallets: WalletsTable;
  transfers: TransfersTable;
  ledger_entries: LedgerEntriesTable;
};

/**
 * Every table payments code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface PaymentsDatabase extends PaymentsTables, UsersDatabase, IdempotencyTables {}
