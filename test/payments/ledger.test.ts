// The ledger under load and behind the application's back, on both engines:
// concurrent duplicates of one request move money once, a wallet drained by
// concurrent transfers never goes below zero, opposite transfers do not
// deadlock, and afterwards every transfer's entries sum to zero and every
// balance equals its entries (checked with SQL). The database itself
// refuses unbalanced or mismatched entries, edits of history and overdrafts.
// Orders' entry points (chargeOrder, captureOrder, refundOrder) pay into
// escrow, capture to the merchant and refund once.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { isAppError } from '../../src/errors/index.ts';
import { captureOrder, chargeOrder, refundOrder } from '../../src/modules/payments/ledger.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { assertLedgerConsistent } from '../support/shop.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';
const eur = (amount: number) => ({ amount, currency: 'EUR' });

for (const engine of ENGINES) {
  describe(`the ledger on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let adminToken: string;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
      api = apiClient(service.url);
      adminToken = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    async function signUp(label: string, credit = 0) {
      const email = `${label}-${randomUUID()}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      if (credit > 0) {
        const res = await api.call(`/api/v1/admin/wallets/${id}/credits`, {
          method: 'POST',
          token: adminToken,
          json: { amount: eur(credit) },
        });
        assert.equal(res.status, 201, await res.clone().text());
      }
      return { id, token: (await api.login(email, PASSWORD)).accessToken };
    }

    const send = (token: string, toUserId: string, amount: number, key = randomUUID()) =>
      api.call('/api/v1/transfers', {
        method: 'POST',
        token,
        json: { toUserId, amount: eur(amount) },
        headers: { 'idempotency-key': key },
      });

    const balanceOf = async (userId: string) => {
      const row = await database.sql.db
        .selectFrom('wallets')
        .select('balance')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? 0 : Number(row.balance);
    };

    const transfersFrom = async (userId: string) =>
      database.sql.db
        .selectFrom('transfers as t')
        .innerJoin('wallets as w', 'w.id', 't.from_wallet_id')
        .select(['t.id', 't.amount'])
        .where('w.user_id', '=', userId)
        .execute();

    test('20 concurrent requests with one key move the money once', async () => {
      const ann = await signUp('ann', 10_000);
      const bea = await signUp('bea');
      const key = randomUUID();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => send(ann.token, bea.id, 2_500, key)),
      );
      const bodies = await Promise.all(
        responses.map((res) => res.json() as Promise<{ id: string }>),
      );
      assert.deepEqual(
        responses.map((res) => res.status),
        Array.from({ length: 20 }, () => 201),
      );
      assert.equal(new Set(bodies.map((body) => body.id)).size, 1, 'one transfer id for all');
      const replays = responses.filter((res) => res.headers.get('idempotent-replayed') === 'true');
      assert.equal(replays.length, 19);
      assert.equal(await balanceOf(ann.id), 7_500);
      assert.equal(await balanceOf(bea.id), 2_500);
      assert.equal((await transfersFrom(ann.id)).length, 1);
      await assertLedgerConsistent(database.sql.db);
    });

    test('30 concurrent transfers draining one wallet never take it below zero', async () => {
      // Recipients on both sides of the sender's wallet id, so the lock order varies.
      const low = await signUp('low');
      const sender = await signUp('drain', 1_000);
      const high = await signUp('high');
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send(sender.token, i % 2 === 0 ? low.id : high.id, 100),
        ),
      );
      const codes = await Promise.all(
        responses.map(async (res) =>
          res.status === 201 ? 'created' : ((await res.json()) as { code: string }).code,
        ),
      );
      assert.equal(codes.filter((code) => code === 'created').length, 10);
      assert.equal(codes.filter((code) => code === 'PAYMENTS_INSUFFICIENT_FUNDS').length, 20);
      assert.equal(await balanceOf(sender.id), 0);
      assert.equal((await balanceOf(low.id)) + (await balanceOf(high.id)), 1_000);
      assert.equal((await transfersFrom(sender.id)).length, 10);
      await assertLedgerConsistent(database.sql.db);
    });

    test('transfers in opposite directions at once all complete', async () => {
      const cy = await signUp('cy', 5_000);
      const di = await signUp('di', 5_000);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0 ? send(cy.token, di.id, 100) : send(di.token, cy.id, 100),
        ),
      );
      assert.deepEqual(
        responses.map((res) => res.status),
        Array.from({ length: 20 }, () => 201),
      );
      assert.equal(await balanceOf(cy.id), 5_000);
      assert.equal(await balanceOf(di.id), 5_000);
      await assertLedgerConsistent(database.sql.db);
    });

    /** Wallet ids for hand-written rows: a funded user's, an empty user's, and the system's. */
    async function wallets() {
      const rich = await signUp('rich', 1_000);
      const poor = await signUp('poor');
      await send(rich.token, poor.id, 1);
      const rows = await database.sql.db
        .selectFrom('wallets')
        .select(['id', 'kind', 'user_id'])
        .where((eb) => eb.or([eb('user_id', 'in', [rich.id, poor.id]), eb('user_id', 'is', null)]))
        .execute();
      const find = (predicate: (row: (typeof rows)[number]) => boolean) => rows.find(predicate)!.id;
      return {
        rich: find((row) => row.user_id === rich.id),
        poor: find((row) => row.user_id === poor.id),
        funding: find((row) => row.kind === 'funding'),
        merchant: find((row) => row.kind === 'merchant'),
      };
    }

    /**
     * Writes a transfer, its entries and the balances by hand in one
     * transaction; resolves to the constraint that refused it, if any.
     */
    async function refusedBy(
      rows: { kind: 'transfer' | 'credit'; from: string; to: string; amount: number },
      entries: (transferId: string) => { wallet: string; amount: number }[],
    ): Promise<string | undefined> {
      const before = await database.sql.db
        .selectFrom('transfers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      try {
        await database.sql.withTransaction(async (trx) => {
          const { id } = await trx
            .insertInto('transfers')
            .values({
              kind: rows.kind,
              from_wallet_id: rows.from,
              to_wallet_id: rows.to,
              amount: rows.amount,
              currency: 'EUR',
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          const legs = entries(id);
          if (legs.length > 0) {
            await trx
              .insertInto('ledger_entries')
              .values(
                legs.map((leg) => ({ transfer_id: id, wallet_id: leg.wallet, amount: leg.amount })),
              )
              .execute();
          }
          for (const leg of legs) {
            await trx
              .updateTable('wallets')
              .set((eb) => ({ balance: eb('balance', '+', String(leg.amount)) }))
              .where('id', '=', leg.wallet)
              .execute();
          }
        });
      } catch (error) {
        assert.ok(isAppError(error), String(error));
        assert.equal(error.code, 'SQL_CHECK_VIOLATION');
        const after = await database.sql.db
          .selectFrom('transfers')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
        assert.equal(after.n, before.n, 'nothing of the refused transaction remains');
        return String(error.extensions?.constraint);
      }
      return undefined;
    }

    test('the database refuses a transfer whose entries do not balance or do not match', async () => {
      const w = await wallets();
      const transfer = { kind: 'transfer' as const, from: w.rich, to: w.poor, amount: 100 };
      assert.equal(
        await refusedBy(transfer, () => [
          { wallet: w.rich, amount: -100 },
          { wallet: w.poor, amount: 90 },
        ]),
        'ledger_entries_balanced',
      );
      assert.equal(await refusedBy(transfer, () => []), 'ledger_entries_match_transfer');
      assert.equal(
        await refusedBy(transfer, () => [
          { wallet: w.rich, amount: -50 },
          { wallet: w.poor, amount: 50 },
        ]),
        'ledger_entries_match_transfer',
      );
      // Balanced, but money out of a user's wallet into the funding wallet is no credit.
      assert.equal(
        await refusedBy({ kind: 'credit', from: w.rich, to: w.funding, amount: 100 }, () => [
          { wallet: w.rich, amount: -100 },
          { wallet: w.funding, amount: 100 },
        ]),
        'transfers_kind_matches_wallets',
      );
      // The same rows, balanced and matching, are accepted.
      assert.equal(
        await refusedBy(transfer, () => [
          { wallet: w.rich, amount: -100 },
          { wallet: w.poor, amount: 100 },
        ]),
        undefined,
      );

      // An entry added later to a transfer that balanced is refused too.
      const [existing] = await transfersFrom(
        (
          await database.sql.db
            .selectFrom('wallets')
            .select('user_id')
            .where('id', '=', w.rich)
            .executeTakeFirstOrThrow()
        ).user_id!,
      );
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await trx
            .insertInto('ledger_entries')
            .values({ transfer_id: existing!.id, wallet_id: w.merchant, amount: 5 })
            .execute();
        }),
        (error) => isAppError(error) && error.extensions?.constraint === 'ledger_entries_balanced',
      );
    });

    test('history is append-only and a wallet cannot be overdrawn even by hand', async () => {
      const w = await wallets();
      await assert.rejects(
        sql`update ledger_entries set amount = amount * 2 where wallet_id = ${w.rich}`.execute(
          database.sql.db,
        ),
        /ledger_entries is append-only/,
      );
      await assert.rejects(
        sql`delete from transfers where from_wallet_id = ${w.rich}`.execute(database.sql.db),
        /transfers is append-only/,
      );
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await trx.updateTable('wallets').set({ balance: -1 }).where('id', '=', w.poor).execute();
        }),
        (error) =>
          isAppError(error) && error.extensions?.constraint === 'wallets_balance_nonnegative',
      );
      await assertLedgerConsistent(database.sql.db);
    });

    /** An order row for `userId`, as the orders module would have placed it. */
    async function placeOrder(userId: string, total: number) {
      const row = await database.sql.db
        .insertInto('orders')
        .values({ user_id: userId, total_amount: total, currency: 'EUR' })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    }

    const systemBalance = async (kind: 'merchant' | 'escrow') => {
      const row = await database.sql.db
        .selectFrom('wallets')
        .select('balance')
        .where('kind', '=', kind)
        .where('currency', '=', 'EUR')
        .where('user_id', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.balance);
    };

    test('chargeOrder holds the money in escrow once; refundOrder pays it back once', async () => {
      const eva = await signUp('eva', 5_000);
      const orderId = await placeOrder(eva.id, 1_999);
      const merchantBefore = await systemBalance('merchant');
      const escrowBefore = await systemBalance('escrow');

      const paid = await database.sql.withTransaction((trx) =>
        chargeOrder(trx, { userId: eva.id, orderId, amount: 1_999, currency: 'EUR' }),
      );
      assert.equal(paid?.kind, 'order_payment');
      assert.equal(paid?.orderId, orderId);
      assert.deepEqual(paid?.from, { kind: 'user', userId: eva.id });
      assert.deepEqual(paid?.to, { kind: 'escrow', userId: null });
      assert.equal(await balanceOf(eva.id), 3_001);
      assert.equal(await systemBalance('escrow'), escrowBefore + 1_999);
      assert.equal(await systemBalance('merchant'), merchantBefore, 'not the shop’s yet');

      await assert.rejects(
        database.sql.withTransaction((trx) =>
          chargeOrder(trx, { userId: eva.id, orderId, amount: 1_999, currency: 'EUR' }),
        ),
        (error) => isAppError(error) && error.code === 'PAYMENTS_ORDER_ALREADY_PAID',
      );
      assert.equal(await balanceOf(eva.id), 3_001);

      const refunded = await database.sql.withTransaction((trx) => refundOrder(trx, { orderId }));
      assert.equal(refunded?.kind, 'refund');
      assert.deepEqual(refunded?.from, { kind: 'escrow', userId: null });
      assert.deepEqual(refunded?.to, { kind: 'user', userId: eva.id });
      assert.deepEqual(refunded?.amount, eur(1_999));
      const again = await database.sql.withTransaction((trx) => refundOrder(trx, { orderId }));
      assert.equal(again?.id, refunded?.id, 'a second refund returns the first');
      assert.equal(await balanceOf(eva.id), 5_000);
      assert.equal(await systemBalance('escrow'), escrowBefore);
      assert.equal(await systemBalance('merchant'), merchantBefore);
      const late = await database.sql.withTransaction((trx) => captureOrder(trx, { orderId }));
      assert.equal(late, undefined, 'a refunded payment is not captured');
      assert.equal(await systemBalance('merchant'), merchantBefore);

      // The customer's statement shows the payment and the refund against escrow.
      const res = await api.call('/api/v1/wallet/entries', { token: eva.token });
      const { data } = (await res.json()) as {
        data: {
          kind: string;
          amount: { amount: number };
          orderId: string | null;
          counterparty: { kind: string };
        }[];
      };
      assert.deepEqual(
        data
          .slice(0, 2)
          .map((entry) => [
            entry.kind,
            entry.amount.amount,
            entry.orderId,
            entry.counterparty.kind,
          ]),
        [
          ['refund', 1_999, orderId, 'escrow'],
          ['order_payment', -1_999, orderId, 'escrow'],
        ],
      );
      await assertLedgerConsistent(database.sql.db);
    });

    test('captureOrder moves the payment to the merchant once; a later refund comes from there', async () => {
      const gus = await signUp('gus', 5_000);
      const orderId = await placeOrder(gus.id, 2_500);
      await database.sql.withTransaction((trx) =>
        chargeOrder(trx, { userId: gus.id, orderId, amount: 2_500, currency: 'EUR' }),
      );
      const merchantBefore = await systemBalance('merchant');
      const escrowBefore = await systemBalance('escrow');

      const captured = await database.sql.withTransaction((trx) => captureOrder(trx, { orderId }));
      assert.equal(captured?.kind, 'order_capture');
      assert.deepEqual(captured?.from, { kind: 'escrow', userId: null });
      assert.deepEqual(captured?.to, { kind: 'merchant', userId: null });
      assert.deepEqual(captured?.amount, eur(2_500));
      const again = await database.sql.withTransaction((trx) => captureOrder(trx, { orderId }));
      assert.equal(again?.id, captured?.id, 'a second capture returns the first');
      assert.equal(await systemBalance('merchant'), merchantBefore + 2_500);
      assert.equal(await systemBalance('escrow'), escrowBefore - 2_500);

      // The database's rule, behind the code's check: one capture per order.
      const wallets = await database.sql.db
        .selectFrom('wallets')
        .select(['id', 'kind'])
        .where('user_id', 'is', null)
        .where('currency', '=', 'EUR')
        .execute();
      const walletOf = (kind: string) => wallets.find((row) => row.kind === kind)!.id;
      await assert.rejects(
        database.sql.withTransaction((trx) =>
          trx
            .insertInto('transfers')
            .values({
              kind: 'order_capture',
              from_wallet_id: walletOf('escrow'),
              to_wallet_id: walletOf('merchant'),
              amount: 2_500,
              currency: 'EUR',
              order_id: orderId,
            })
            .execute(),
        ),
        (error) =>
          isAppError(error) && error.extensions?.constraint === 'transfers_order_capture_key',
      );

      const refunded = await database.sql.withTransaction((trx) => refundOrder(trx, { orderId }));
      assert.deepEqual(refunded?.from, { kind: 'merchant', userId: null });
      assert.equal(await systemBalance('merchant'), merchantBefore);
      assert.equal(await systemBalance('escrow'), escrowBefore - 2_500);
      assert.equal(await balanceOf(gus.id), 5_000);
      await assertLedgerConsistent(database.sql.db);
    });

    test('refundOrder of an unpaid order does nothing; an unaffordable charge rolls back', async () => {
      const fox = await signUp('fox', 1_000);
      const unpaid = await placeOrder(fox.id, 500);
      const nothing = await database.sql.withTransaction((trx) =>
        refundOrder(trx, { orderId: unpaid }),
      );
      assert.equal(nothing, undefined);

      const costly = await placeOrder(fox.id, 1_500);
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await trx
            .updateTable('orders')
            .set({ status: 'paid' })
            .where('id', '=', costly)
            .execute();
          await chargeOrder(trx, {
            userId: fox.id,
            orderId: costly,
            amount: 1_500,
            currency: 'EUR',
          });
        }),
        (error) =>
          isAppError(error) &&
          error.code === 'PAYMENTS_INSUFFICIENT_FUNDS' &&
          /10\.00 EUR/.test(error.detail ?? '') &&
          /15\.00 EUR/.test(error.detail ?? ''),
      );
      const order = await database.sql.db
        .selectFrom('orders')
        .select('status')
        .where('id', '=', costly)
        .executeTakeFirstOrThrow();
      assert.equal(order.status, 'pending', 'the order’s own change rolled back with the charge');
      assert.equal(await balanceOf(fox.id), 1_000);

      const free = await placeOrder(fox.id, 0);
      const none = await database.sql.withTransaction((trx) =>
        chargeOrder(trx, { userId: fox.id, orderId: free, amount: 0, currency: 'EUR' }),
      );
      assert.equal(none, undefined, 'a zero total needs no payment');
      await assertLedgerConsistent(database.sql.db);
    });
  });
}
