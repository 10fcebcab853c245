// The suppression list end to end, on both engines: the mail provider's
// signed events (Standard Webhooks, signed here with `signWebhook` as a
// provider would) put addresses on the list, and the service then sends
// them nothing — a password-reset request for a suppressed address writes
// nothing to the outbox, while one for any other address does. Plus the
// admin API over the list, and who may use it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { recipientHash } from '../../src/modules/mail/suppressing-mailer.ts';
import { generateWebhookSecret, signWebhook } from '../../src/modules/webhooks/signing.ts';
import { eventually } from '../support/eventually.ts';
import { apiClient, problemCode } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { REDIS_URL, removeKeys, uniquePrefix } from '../support/redis.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';
const SECRET = generateWebhookSecret();

interface SuppressionView {
  id: string;
  email: string;
  reason: string;
  detail: string;
  createdAt: string;
}

for (const engine of ENGINES) {
  describe(`mail suppression on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    const captured = captureLogger('info');
    // The shared state on Redis when there is one: mail must not care.
    const keyPrefix = uniquePrefix();
    let adminToken: string;
    let customerToken: string;

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        logger: captured.logger,
        env: {
          MAIL_EVENTS_SECRET: SECRET,
          ...(REDIS_URL === undefined ? {} : { REDIS_URL, REDIS_KEY_PREFIX: keyPrefix }),
        },
      });
      const api = apiClient(service.url);
      adminToken = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
      customerToken = (
        await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password)
      ).accessToken;
    });

    after(async () => {
      await service?.close();
      await database?.close();
      if (REDIS_URL !== undefined) await removeKeys(keyPrefix);
    });

    const api = () => apiClient(service.url);
    const newAddress = () => `mail-${randomUUID().slice(0, 8)}@example.com`;

    /** Posts a provider event, signed with `secret` (the configured one by default). */
    const providerEvent = (
      event: unknown,
      options: { secret?: string; id?: string; at?: Date } = {},
    ) => {
      const body = JSON.stringify(event);
      const headers = signWebhook({
        id: options.id ?? `msg_${randomUUID()}`,
        at: options.at ?? new Date(),
        body,
        secrets: [options.secret ?? SECRET],
      });
      return fetch(`${service.url}/api/v1/mail/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    };

    const suppressions = async (): Promise<SuppressionView[]> => {
      const res = await api().call('/api/v1/admin/mail/suppressions?limit=100', {
        token: adminToken,
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: SuppressionView[] }).data;
    };
    const entryFor = async (email: string) => (await suppressions()).find((s) => s.email === email);

    /** The reset mails written for `email` after a forgot-password request settles. */
    const resetMailsAfterForgot = async (email: string) => {
      const res = await api().call('/api/v1/auth/password/forgot', {
        method: 'POST',
        json: { email },
      });
      assert.equal(res.status, 202);
      await service.background.idle();
      const mails = await listOutbox(join(service.dataDir, 'mail'));
      return mails.filter((mail) => mail.to === email && mail.subject === 'Reset your password');
    };

    /** A registered user whose welcome mail has gone out (so later mail is all that is left). */
    const registered = async () => {
      const email = newAddress();
      await api().register(email, PASSWORD);
      await eventually(
        'the welcome mail',
        async () =>
          (await listOutbox(join(service.dataDir, 'mail'))).some((mail) => mail.to === email),
        { timeoutMs: 20_000 },
      );
      return email;
    };

    test('a hard bounce suppresses the address: later mail to it is not sent', async () => {
      const [bounced, other] = [await registered(), await registered()];
      const res = await providerEvent({
        type: 'bounce',
        email: bounced.toUpperCase(),
        bounceType: 'hard',
        description: '550 5.1.1 user unknown',
      });
      assert.equal(res.status, 204, await res.text());
      const entry = await entryFor(bounced);
      assert.equal(entry?.reason, 'hard_bounce');
      assert.match(entry.detail, /^provider event msg_[0-9a-f-]+: 550 5\.1\.1 user unknown$/);

      assert.equal((await resetMailsAfterForgot(bounced)).length, 0, 'suppressed: nothing sent');
      assert.equal((await resetMailsAfterForgot(other)).length, 1, 'the others still get mail');

      // Logged by hash; the address itself stays out of the log.
      const skipped = captured.records.filter(
        (record) => record.msg === 'mail to a suppressed address not sent',
      );
      assert.ok(skipped.some((record) => record.recipientHash === recipientHash(bounced)));
      assert.ok(!JSON.stringify(captured.records).includes(bounced));
    });

    test('a complaint suppresses at once', async () => {
      const email = newAddress();
      assert.equal((await providerEvent({ type: 'complaint', email })).status, 204);
      assert.equal((await entryFor(email))?.reason, 'complaint');
    });

    test('a bad, missing, stale or foreign signature is 401 and suppresses nothing', async () => {
      const email = newAddress();
      const event = { type: 'complaint', email };
      const attempts = [
        await providerEvent(event, { secret: generateWebhookSecret() }),
        await providerEvent(event, { at: new Date(Date.now() - 3600_000) }),
        await fetch(`${service.url}/api/v1/mail/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
        }),
      ];
      for (const res of attempts) {
        assert.equal(res.status, 401);
        assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(await problemCode(res), 'MAIL_EVENTS_SIGNATURE_INVALID');
      }
      // A body changed after signing.
      const body = JSON.stringify(event);
      const headers = signWebhook({ id: 'msg_1', at: new Date(), body, secrets: [SECRET] });
      const tampered = await fetch(`${service.url}/api/v1/mail/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: body.replace('complaint', 'complaint '),
      });
      assert.equal(tampered.status, 401);
      assert.equal(await entryFor(email), undefined);
    });

    test('a signed event that is not a valid event is 422', async () => {
      const res = await providerEvent({ type: 'bounce', email: newAddress() });
      assert.equal(res.status, 422);
      assert.equal(await problemCode(res), 'HTTP_VALIDATION_FAILED');
    });

    test('three soft bounces within seven days suppress; a redelivery counts once', async () => {
      const email = newAddress();
      const soft = { type: 'bounce', email, bounceType: 'soft', description: 'mailbox full' };
      // Two bounces from last month are past the window.
      const old = new Date(Date.now() - 8 * 24 * 3600_000);
      await database.sql.db
        .insertInto('mail_soft_bounces')
        .values([
          { event_id: `old-1-${email}`, address: email, bounced_at: old },
          { event_id: `old-2-${email}`, address: email, bounced_at: old },
        ])
        .execute();
      assert.equal((await providerEvent(soft, { id: `msg_soft_1_${randomUUID()}` })).status, 204);
      const second = `msg_soft_2_${randomUUID()}`;
      assert.equal((await providerEvent(soft, { id: second })).status, 204);
      assert.equal((await providerEvent(soft, { id: second })).status, 204);
      assert.equal(await entryFor(email), undefined, 'two bounces (one redelivered) are not three');
      assert.equal((await providerEvent(soft, { id: `msg_soft_3_${randomUUID()}` })).status, 204);
      assert.equal((await entryFor(email))?.reason, 'soft_bounce_limit');
    });

    test('admins list (paged), add and remove entries; removing lets mail through again', async () => {
      const email = await registered();
      const added = await api().call('/api/v1/admin/mail/suppressions', {
        method: 'POST',
        token: adminToken,
        json: { email: ` ${email.toUpperCase()} `, detail: 'asked by phone' },
      });
      assert.equal(added.status, 201, await added.clone().text());
      assert.equal(added.headers.get('cache-control'), 'no-store');
      const entry = (await added.json()) as SuppressionView;
      assert.equal(
        added.headers.get('location'),
        `/api/v1/admin/mail/suppressions/${encodeURIComponent(email)}`,
      );
      assert.deepEqual(
        { email: entry.email, reason: entry.reason, detail: entry.detail },
        { email, reason: 'manual', detail: 'asked by phone' },
      );
      const again = await api().call('/api/v1/admin/mail/suppressions', {
        method: 'POST',
        token: adminToken,
        json: { email },
      });
      assert.equal(again.status, 200);
      assert.equal(((await again.json()) as SuppressionView).id, entry.id);
      assert.equal((await resetMailsAfterForgot(email)).length, 0);

      // Newest first, one per page, with a link to the next page.
      const first = await api().call('/api/v1/admin/mail/suppressions?limit=1', {
        token: adminToken,
      });
      const page = (await first.json()) as { data: SuppressionView[]; links: { next: string } };
      assert.equal(page.data.length, 1);
      assert.equal(page.data[0]!.email, email);
      assert.equal(page.links.next, `/api/v1/admin/mail/suppressions?limit=1&before=${entry.id}`);
      const next = await api().call(page.links.next, { token: adminToken });
      const nextPage = (await next.json()) as { data: SuppressionView[] };
      assert.ok(Number(nextPage.data[0]!.id) < Number(entry.id));

      const path = `/api/v1/admin/mail/suppressions/${encodeURIComponent(email)}`;
      assert.equal((await api().call(path, { method: 'DELETE', token: adminToken })).status, 204);
      const gone = await api().call(path, { method: 'DELETE', token: adminToken });
      assert.equal(gone.status, 404);
      assert.equal(await problemCode(gone), 'MAIL_SUPPRESSION_NOT_FOUND');
      assert.equal((await resetMailsAfterForgot(email)).length, 1, 'mail flows again');
    });

    test('customers may not see or change the list', async () => {
      const email = newAddress();
      const calls = [
        api().call('/api/v1/admin/mail/suppressions', { token: customerToken }),
        api().call('/api/v1/admin/mail/suppressions', {
          method: 'POST',
          token: customerToken,
          json: { email },
        }),
        api().call(`/api/v1/admin/mail/suppressions/${encodeURIComponent(email)}`, {
          method: 'DELETE',
          token: customerToken,
        }),
      ];
      for (const res of await Promise.all(calls)) {
        assert.equal(res.status, 403);
        assert.equal(await problemCode(res), 'HTTP_FORBIDDEN');
      }
      const anonymous = await api().call('/api/v1/admin/mail/suppressions');
      assert.equal(anonymous.status, 401);
      assert.equal(await entryFor(email), undefined);
    });
  });
}
