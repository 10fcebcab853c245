// Payments on the wire. Money is `{ amount, currency }` with the amount in
// integer minor units (1250 = 12.50 EUR); amounts to move are positive,
// ledger entries are signed (negative = money left the wallet). The other
// side of a movement is a user (by id), the shop (`merchant`), the shop's
// holding wallet for paid orders not yet captured (`escrow`) or the source
// of admin credits (`funding`).

import { z } from 'zod';
import type { TransferKind, WalletKind } from './tables.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { money } from '../catalog/schemas.ts';
import { DEFAULT_CURRENCY, HELD_CURRENCIES, MAX_MINOR_UNITS } from './money.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

export const TRANSFER_KINDS = [
  'transfer',
  'order_payment',
  'order_capture',
  'refund',
  'credit',
] as const satisfies readonly TransferKind[];
export const WALLET_KINDS = [
  'user',
  'merchant',
  'funding',
  'escrow',
] as const satisfies readonly WalletKind[];

export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code in capitals, like EUR' })
  .meta({ description: 'ISO 4217 code', example: 'EUR' });

/** A currency named in a request: one wallets hold (ISO 4217, in capitals). */
export const heldCurrency = z
  .enum(HELD_CURRENCIES, { error: `wallets hold ${HELD_CURRENCIES.join(', ')} only` })
  .meta({ description: 'ISO 4217 code of a currency wallets hold', example: 'EUR' });

/** An amount to move: a positive integer of minor units. */
export const positiveMoney = z
  .strictObject({
    amount: z
      .number()
      .int()
      .min(1)
      .max(MAX_MINOR_UNITS)
      .meta({ description: 'Integer minor units (cents), at least 1', example: 1250 }),
    currency: heldCurrency,
  })
  .meta({
    id: 'PositiveMoney',
    description: 'An amount to move, in integer minor units',
    examples: [{ amount: 1250, currency: 'EUR' }],
  });

/** A ledger amount: negative when money left the wallet. */
export const signedMoney = z
  .strictObject({
    amount: z
      .number()
      .int()
      .min(-MAX_MINOR_UNITS)
      .max(MAX_MINOR_UNITS)
      .meta({ description: 'Integer minor units; negative = debit, positive = credit' }),
    currency: currencyCode,
  })
  .meta({ id: 'SignedMoney', examples: [{ amount: -1250, currency: 'EUR' }] });

export type SignedMoney = z.infer<typeof signedMoney>;

export const walletParty = z
  .strictObject({
    kind: z.enum(WALLET_KINDS),
    userId: z.string().nullable().meta({ description: 'Set for user wallets' }),
  })
  .meta({
    id: 'WalletParty',
    description:
      'A user’s wallet, the shop’s (`merchant`), the money held for paid orders until capture (`escrow`) or the source of credits (`funding`)',
    examples: [{ kind: 'user', userId: '7' }],
  });

export type WalletParty = z.infer<typeof walletParty>;

export const wallet = z
  .strictObject({
    userId: z.string(),
    balance: money,
    updatedAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'Last change of the balance; null before the first' }),
  })
  .meta({
    id: 'Wallet',
    examples: [
      {
        userId: '7',
        balance: { amount: 48750, currency: 'EUR' },
        updatedAt: '2026-11-25T10:00:00.000Z',
      },
    ],
  });

export type Wallet = z.infer<typeof wallet>;

export const transfer = z
  .strictObject({
    id: z.string(),
    kind: z.enum(TRANSFER_KINDS),
    from: walletParty,
    to: walletParty,
    amount: money,
    orderId: z.string().nullable().meta({ description: 'The order paid, captured or refunded' }),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'Transfer',
    examples: [
      {
        id: '981',
        kind: 'transfer',
        from: { kind: 'user', userId: '7' },
        to: { kind: 'user', userId: '12' },
        amount: { amount: 1250, currency: 'EUR' },
        orderId: null,
        createdAt: '2026-11-25T10:00:00.000Z',
      },
    ],
  });

export type Transfer = z.infer<typeof transfer>;

export const ledgerEntry = z
  .strictObject({
    id: z.string(),
    transferId: z.string(),
    kind: z.enum(TRANSFER_KINDS),
    amount: signedMoney,
    counterparty: walletParty,
    orderId: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: 'LedgerEntry',
    examples: [
      {
        id: '1962',
        transferId: '981',
        kind: 'transfer',
        amount: { amount: -1250, currency: 'EUR' },
        counterparty: { kind: 'user', userId: '12' },
        orderId: null,
        createdAt: '2026-11-25T10:00:00.000Z',
      },
    ],
  });

export type LedgerEntry = z.infer<typeof ledgerEntry>;

export const transferRequest = z
  .strictObject({
    toUserId: bigintId,
    amount: positiveMoney,
  })
  .meta({
    id: 'TransferRequest',
    examples: [{ toUserId: '12', amount: { amount: 1250, currency: 'EUR' } }],
  });

export type TransferRequest = z.infer<typeof transferRequest>;

export const creditRequest = z
  .strictObject({ amount: positiveMoney })
  .meta({ id: 'CreditRequest', examples: [{ amount: { amount: 10000, currency: 'EUR' } }] });

export type CreditRequest = z.infer<typeof creditRequest>;

export const walletQuery = z.strictObject({
  currency: heldCurrency.default(DEFAULT_CURRENCY),
});

export const entriesQuery = z.strictObject({
  limit: queryInteger(1, 100).default(20),
  before: bigintId.optional().meta({ description: 'Keyset cursor: entries older than this id' }),
  currency: heldCurrency.default(DEFAULT_CURRENCY),
});

export const entryPage = z
  .strictObject({
    data: z.array(ledgerEntry),
    meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
    links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        {
          id: '1962',
          transferId: '981',
          kind: 'transfer',
          amount: { amount: -1250, currency: 'EUR' },
          counterparty: { kind: 'user', userId: '12' },
          orderId: null,
          createdAt: '2026-11-25T10:00:00.000Z',
        },
        {
          id: '1871',
          transferId: '934',
          kind: 'order_payment',
          amount: { amount: -9998, currency: 'EUR' },
          counterparty: { kind: 'escrow', userId: null },
          orderId: '301',
          createdAt: '2026-11-24T17:12:09.000Z',
        },
      ],
      meta: { limit: 2, hasMore: true },
      links: {
        self: '/api/v1/wallet/entries?currency=EUR&limit=2',
        next: '/api/v1/wallet/entries?currency=EUR&limit=2&before=1871',
      },
    },
  });

/** For the document's examples: an admin credit, paid from the funding wallet. */
export const EXAMPLE_CREDIT = {
  id: '990',
  kind: 'credit',
  from: { kind: 'funding', userId: null },
  to: { kind: 'user', userId: '7' },
  amount: { amount: 10000, currency: 'EUR' },
  orderId: null,
  createdAt: '2026-11-26T09:00:00.000Z',
};
