// Wallets and transfers over real HTTP on both engines: balances and the
// statement, sending money with an Idempotency-Key (replays, reused keys),
// refusals that move nothing (overdraft, self, unknown recipient, currency),
// admin credits (audited; customers and editors are refused) and isolation:
// nobody sees another user's wallet, entries or transfers.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS, STARTING_BALANCES } from '../../src/wiring/seed.ts';
import { HELD_CURRENCIES } from '../../src/modules/payments/money.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

interface Party {
  kind: string;
  userId: string | null;
}

interface TransferBody {
  id: string;
  kind: string;
  from: Party;
  to: Party;
  amount: { amount: number; currency: string };
  orderId: string | null;
  createdAt: string;
}

interface EntryBody {
  id: string;
  transferId: string;
  kind: string;
  amount: { amount: number; currency: string };
  counterparty: Party;
  orderId: string | null;
  createdAt: string;
}

interface EntryPage {
  data: EntryBody[];
  meta: { limit: number; hasMore: boolean };
  links: { self: string; next: string | null };
}

interface Problem {
  code: string;
  detail?: string;
  balance?: { amount: number; currency: string };
  required?: { amount: number; currency: string };
  errors?: { field: string; in: string; code: string }[];
}

const eur = (amount: number) => ({ amount, currency: 'EUR' });

for (const engine of ENGINES) {
  describe(`wallets and transfers on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;
    let admin: { id: string; token: string };

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
      api = apiClient(service.url);
      admin = await signIn(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    async function signIn(email: string, password: string) {
      const { accessToken } = await api.login(email, password);
      const me = (await (await api.call('/api/v1/me', { token: accessToken })).json()) as {
        id: string;
      };
      return { id: me.id, token: accessToken };
    }

    /** A new customer, signed in. */
    async function signUp(label: string) {
      const email = `${label}-${randomUUID()}@example.com`;
      const { id } = await api.register(email, PASSWORD);
      return { id, email, token: (await api.login(email, PASSWORD)).accessToken };
    }

    const credit = (userId: string, amount: number, token = admin.token) =>
      api.call(`/api/v1/admin/wallets/${userId}/credits`, {
        method: 'POST',
        token,
        json: { amount: eur(amount) },
      });

    /** A new customer with `amount` credited. */
    async function funded(label: string, amount: number) {
      const user = await signUp(label);
      const res = await credit(user.id, amount);
      assert.equal(res.status, 201, await res.clone().text());
      return user;
    }

    const send = (
      token: string,
      body: unknown,
      /** null: send no Idempotency-Key at all. */
      key: string | null = randomUUID(),
    ): Promise<Response> =>
      api.call('/api/v1/transfers', {
        method: 'POST',
        token,
        json: body,
        headers: key === null ? {} : { 'idempotency-key': key },
      });

    const balance = async (token: string) => {
      const res = await api.call('/api/v1/wallet', { token });
      assert.equal(res.status, 200);
      return ((await res.json()) as { balance: { amount: number } }).balance.amount;
    };

    const entries = async (token: string, query = '') => {
      const res = await api.call(`/api/v1/wallet/entries${query}`, { token });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as EntryPage;
    };

    const transferCount = async () =>
      Number(
        (
          await database.sql.db
            .selectFrom('transfers')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('a new user’s wallet is empty; the demo customer starts with the seeded credit', async () => {
      const ann = await signUp('ann');
      const res = await api.call('/api/v1/wallet', { token: ann.token });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await res.json(), { userId: ann.id, balance: eur(0), updatedAt: null });
      assert.deepEqual(await entries(ann.token), {
        data: [],
        meta: { limit: 20, hasMore: false },
        links: { self: '/api/v1/wallet/entries?currency=EUR&limit=20', next: null },
      });

      const demo = await signIn(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password);
      assert.equal(await balance(demo.token), STARTING_BALANCES.customer);
      const { data } = await entries(demo.token);
      assert.equal(data.length, 1);
      assert.equal(data[0]!.kind, 'credit');
      assert.deepEqual(data[0]!.amount, eur(STARTING_BALANCES.customer));
      assert.deepEqual(data[0]!.counterparty, { kind: 'funding', userId: null });
    });

    test('an admin credit answers 201 + Location, lands in the wallet and is audited', async () => {
      const bob = await signUp('bob');
      const res = await credit(bob.id, 10_000);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('idempotent-replayed'), null);
      const made = (await res.json()) as TransferBody;
      assert.equal(res.headers.get('location'), `/api/v1/transfers/${made.id}`);
      assert.equal(made.kind, 'credit');
      assert.deepEqual(made.from, { kind: 'funding', userId: null });
      assert.deepEqual(made.to, { kind: 'user', userId: bob.id });
      assert.deepEqual(made.amount, eur(10_000));
      assert.equal(made.orderId, null);
      assert.equal(new Date(made.createdAt).toISOString(), made.createdAt);

      const wallet = (await (await api.call('/api/v1/wallet', { token: bob.token })).json()) as {
        balance: unknown;
        updatedAt: string;
      };
      assert.deepEqual(wallet.balance, eur(10_000));
      assert.equal(typeof wallet.updatedAt, 'string');
      const [entry] = (await entries(bob.token)).data;
      assert.equal(entry?.transferId, made.id);
      assert.deepEqual(entry?.amount, eur(10_000));

      // The recipient and the admin who initiated it can read it back.
      for (const token of [bob.token, admin.token]) {
        const read = await api.call(`/api/v1/transfers/${made.id}`, { token });
        assert.equal(read.status, 200);
        assert.deepEqual(await read.json(), made);
      }

      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select(['actor_id', 'outcome', 'target_type', 'details'])
        .where('action', '=', 'admin.wallet_credited')
        .where('target_id', '=', bob.id)
        .execute();
      assert.deepEqual(audit, [
        {
          actor_id: admin.id,
          outcome: 'success',
          target_type: 'user',
          details: { transferId: made.id, amount: 10_000, currency: 'EUR' },
        },
      ]);
    });

    test('customers and editors cannot credit (403); an unknown user is 404 and audited', async () => {
      const carol = await signUp('carol');
      const before = await transferCount();
      const self = await credit(carol.id, 500, carol.token);
      assert.equal(self.status, 403);
      assert.equal(((await self.json()) as Problem).code, 'HTTP_FORBIDDEN');
      const editor = await signIn(DEMO_ACCOUNTS.editor.email, DEMO_ACCOUNTS.editor.password);
      assert.equal((await credit(carol.id, 500, editor.token)).status, 403);
      assert.equal(await balance(carol.token), 0);
      assert.equal(await transferCount(), before);

      const missing = await credit('999999999', 500);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as Problem).code, 'PAYMENTS_RECIPIENT_NOT_FOUND');
      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select(['outcome'])
        .where('action', '=', 'admin.wallet_credited')
        .where('target_id', '=', '999999999')
        .execute();
      assert.deepEqual(audit, [{ outcome: 'failure' }]);
    });

    test('a transfer moves money between two users, with an entry on each side', async () => {
      const dan = await funded('dan', 5_000);
      const eve = await signUp('eve');
      const res = await send(dan.token, { toUserId: eve.id, amount: eur(1_250) });
      assert.equal(res.status, 201, await res.clone().text());
      const made = (await res.json()) as TransferBody;
      assert.equal(res.headers.get('location'), `/api/v1/transfers/${made.id}`);
      assert.equal(res.headers.get('idempotent-replayed'), null);
      assert.equal(made.kind, 'transfer');
      assert.deepEqual(made.from, { kind: 'user', userId: dan.id });
      assert.deepEqual(made.to, { kind: 'user', userId: eve.id });
      assert.deepEqual(made.amount, eur(1_250));

      assert.equal(await balance(dan.token), 3_750);
      assert.equal(await balance(eve.token), 1_250);
      const danEntries = (await entries(dan.token)).data;
      assert.deepEqual(
        danEntries.map((entry) => [entry.kind, entry.amount.amount, entry.counterparty]),
        [
          ['transfer', -1_250, { kind: 'user', userId: eve.id }],
          ['credit', 5_000, { kind: 'funding', userId: null }],
        ],
      );
      const eveEntries = (await entries(eve.token)).data;
      assert.deepEqual(
        eveEntries.map((entry) => [entry.transferId, entry.amount.amount, entry.counterparty]),
        [[made.id, 1_250, { kind: 'user', userId: dan.id }]],
      );
    });

    test('an overdraft is a 422 stating balance and amount, and moves nothing', async () => {
      const fay = await funded('fay', 1_000);
      const gus = await signUp('gus');
      const before = await transferCount();
      const key = randomUUID();
      const res = await send(fay.token, { toUserId: gus.id, amount: eur(1_500) }, key);
      assert.equal(res.status, 422);
      const problem = (await res.json()) as Problem;
      assert.equal(problem.code, 'PAYMENTS_INSUFFICIENT_FUNDS');
      assert.match(problem.detail ?? '', /10\.00 EUR/);
      assert.match(problem.detail ?? '', /15\.00 EUR/);
      assert.deepEqual(problem.balance, eur(1_000));
      assert.deepEqual(problem.required, eur(1_500));
      assert.equal(await balance(fay.token), 1_000);
      assert.equal(await balance(gus.token), 0);
      assert.equal(await transferCount(), before);
      assert.equal((await entries(gus.token)).data.length, 0);

      // A refused request stores nothing under its key: once funded, the retry goes through.
      assert.equal((await credit(fay.id, 500)).status, 201);
      const retry = await send(fay.token, { toUserId: gus.id, amount: eur(1_500) }, key);
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), null);
      assert.equal(await balance(fay.token), 0);
      assert.equal(await balance(gus.token), 1_500);
    });

    test('self-transfers, unknown recipients, other currencies and missing keys are refused', async () => {
      const hal = await funded('hal', 1_000);
      const before = await transferCount();

      const self = await send(hal.token, { toUserId: hal.id, amount: eur(100) });
      assert.equal(self.status, 422);
      const selfProblem = (await self.json()) as Problem;
      assert.equal(selfProblem.code, 'PAYMENTS_SELF_TRANSFER');
      assert.deepEqual(
        selfProblem.errors?.map((error) => error.field),
        ['toUserId'],
      );

      const unknown = await send(hal.token, { toUserId: '999999999', amount: eur(100) });
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as Problem).code, 'PAYMENTS_RECIPIENT_NOT_FOUND');

      const ivy = await signUp('ivy');
      const usd = await send(hal.token, {
        toUserId: ivy.id,
        amount: { amount: 100, currency: 'USD' },
      });
      // Only the currencies wallets hold are valid input: the schema refuses the rest,
      // and the list the schema (and the document) has is the database's.
      const held = await database.sql.db.selectFrom('currencies').select('code').execute();
      assert.deepEqual(held.map((row) => row.code).sort(), [...HELD_CURRENCIES].sort());
      assert.equal(usd.status, 422);
      const usdProblem = (await usd.json()) as Problem;
      assert.equal(usdProblem.code, 'HTTP_VALIDATION_FAILED');
      assert.deepEqual(
        usdProblem.errors?.map((error) => [error.in, error.field, error.code]),
        [['body', 'amount.currency', 'invalid_value']],
      );
      for (const path of ['/api/v1/wallet?currency=USD', '/api/v1/wallet/entries?currency=usd']) {
        const usdWallet = await api.call(path, { token: hal.token });
        assert.equal(usdWallet.status, 422, path);
        const problem = (await usdWallet.json()) as Problem;
        assert.deepEqual(
          problem.errors?.map((error) => [error.in, error.field, error.code]),
          [['query', 'currency', 'invalid_value']],
          path,
        );
      }

      const keyless = await send(hal.token, { toUserId: ivy.id, amount: eur(100) }, null);
      assert.equal(keyless.status, 422);
      const keylessProblem = (await keyless.json()) as Problem;
      assert.equal(keylessProblem.code, 'HTTP_VALIDATION_FAILED');
      assert.deepEqual(
        keylessProblem.errors?.map((error) => [error.in, error.field, error.code]),
        [['headers', 'idempotency-key', 'required']],
      );

      const fractional = await send(hal.token, { toUserId: ivy.id, amount: eur(12.5) });
      assert.equal(fractional.status, 422);
      assert.equal(((await fractional.json()) as Problem).code, 'HTTP_VALIDATION_FAILED');

      assert.equal(await transferCount(), before);
      assert.equal(await balance(hal.token), 1_000);
      assert.equal(await balance(ivy.token), 0);
    });

    test('a retry with the same key replays the 201; the key with another body is a 422', async () => {
      const jan = await funded('jan', 5_000);
      const kim = await signUp('kim');
      const key = randomUUID();
      const body = { toUserId: kim.id, amount: eur(700) };
      const first = await send(jan.token, body, key);
      assert.equal(first.status, 201);
      const firstBody = await first.json();

      const again = await send(jan.token, { amount: eur(700), toUserId: kim.id }, key);
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.headers.get('location'), first.headers.get('location'));
      assert.deepEqual(await again.json(), firstBody);
      assert.equal(await balance(jan.token), 4_300);
      assert.equal(await balance(kim.token), 700);

      const other = await send(jan.token, { toUserId: kim.id, amount: eur(701) }, key);
      assert.equal(other.status, 422);
      assert.equal(((await other.json()) as Problem).code, 'IDEMPOTENCY_KEY_REUSED');
      assert.equal(await balance(jan.token), 4_300);

      // Keys belong to their user: someone else's identical key is a new request.
      const lee = await funded('lee', 1_000);
      const theirs = await send(lee.token, body, key);
      assert.equal(theirs.status, 201);
      assert.equal(theirs.headers.get('idempotent-replayed'), null);
      assert.equal(await balance(kim.token), 1_400);
    });

    test('an admin credit sent with an Idempotency-Key is credited and audited once', async () => {
      const max = await signUp('max');
      const key = randomUUID();
      const post = () =>
        api.call(`/api/v1/admin/wallets/${max.id}/credits`, {
          method: 'POST',
          token: admin.token,
          json: { amount: eur(2_000) },
          headers: { 'idempotency-key': key },
        });
      const first = await post();
      assert.equal(first.status, 201);
      const again = await post();
      assert.equal(again.status, 201);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(await again.json(), await first.json());
      assert.equal(await balance(max.token), 2_000);
      const audited = await database.sql.db
        .selectFrom('audit_log')
        .select('id')
        .where('action', '=', 'admin.wallet_credited')
        .where('target_id', '=', max.id)
        .execute();
      assert.equal(audited.length, 1);
    });

    test('entries page newest first with keyset links that cover every entry once', async () => {
      const ned = await funded('ned', 10_000);
      const ola = await signUp('ola');
      for (const amount of [100, 200, 300, 400]) {
        assert.equal(
          (await send(ned.token, { toUserId: ola.id, amount: eur(amount) })).status,
          201,
        );
      }
      const all = (await entries(ned.token, '?limit=100')).data;
      assert.deepEqual(
        all.map((entry) => entry.amount.amount),
        [-400, -300, -200, -100, 10_000],
      );
      const seen: string[] = [];
      let page = await entries(ned.token, '?limit=2');
      assert.equal(page.links.self, '/api/v1/wallet/entries?currency=EUR&limit=2');
      for (;;) {
        seen.push(...page.data.map((entry) => entry.id));
        assert.ok(page.data.length <= 2);
        if (page.links.next === null) break;
        assert.equal(page.meta.hasMore, true);
        const res = await api.call(page.links.next, { token: ned.token });
        assert.equal(res.status, 200);
        page = (await res.json()) as EntryPage;
      }
      assert.equal(page.meta.hasMore, false);
      assert.deepEqual(
        seen,
        all.map((entry) => entry.id),
      );
    });

    test('another user’s wallet, entries and transfers are never visible', async () => {
      const pat = await funded('pat', 3_000);
      const quinn = await signUp('quinn');
      const made = (await (
        await send(pat.token, { toUserId: quinn.id, amount: eur(900) })
      ).json()) as TransferBody;
      const rex = await funded('rex', 50);

      // Parties see the transfer; a third user gets the same 404 as for a missing one.
      assert.equal(
        (await api.call(`/api/v1/transfers/${made.id}`, { token: pat.token })).status,
        200,
      );
      assert.equal(
        (await api.call(`/api/v1/transfers/${made.id}`, { token: quinn.token })).status,
        200,
      );
      const hidden = await api.call(`/api/v1/transfers/${made.id}`, { token: rex.token });
      const missing = await api.call('/api/v1/transfers/999999999', { token: rex.token });
      assert.equal(hidden.status, 404);
      assert.equal(missing.status, 404);
      const hiddenProblem = (await hidden.json()) as Problem;
      assert.equal(hiddenProblem.code, 'PAYMENTS_TRANSFER_NOT_FOUND');
      assert.equal(((await missing.json()) as Problem).code, hiddenProblem.code);

      // Rex's wallet and statement are his own, whatever cursor he sends.
      assert.equal(await balance(rex.token), 50);
      const patEntries = (await entries(pat.token)).data;
      const rexAll = (await entries(rex.token)).data;
      assert.deepEqual(
        rexAll.map((entry) => entry.amount.amount),
        [50],
      );
      const cursor = String(Number(patEntries[0]!.id) + 1);
      const rexFromCursor = (await entries(rex.token, `?before=${cursor}`)).data;
      assert.ok(rexFromCursor.every((entry) => rexAll.some((own) => own.id === entry.id)));
      assert.ok(!rexFromCursor.some((entry) => entry.transferId === made.id));

      // There is no way to name someone else's wallet.
      const other = await api.call(`/api/v1/wallet?userId=${pat.id}`, { token: rex.token });
      assert.equal(other.status, 422);
      assert.equal(
        (await api.call('/api/v1/wallet', {})).status,
        401,
        'anonymous callers see no wallet',
      );
    });
  });
}
