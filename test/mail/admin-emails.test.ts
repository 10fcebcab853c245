// The admin view of the disk outbox (GET /api/v1/admin/emails): what the
// service would have sent, newest first, for administrators only and never
// cached. With SMTP there is no outbox: 404 MAIL_OUTBOX_DISABLED. And the
// provider-events route of a service without MAIL_EVENTS_SECRET: 404.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { generateWebhookSecret, signWebhook } from '../../src/modules/webhooks/signing.ts';
import { eventually } from '../support/eventually.ts';
import { apiClient, problemCode } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { startService, type StartedService } from '../support/start.ts';

interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  createdAt: string;
  text: string;
  html: string | null;
}

const PASSWORD = 'correct horse battery staple';
const adminLogin = (url: string) =>
  apiClient(url).login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password);

for (const engine of ENGINES) {
  describe(`admin outbox listing on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql });
    });

    after(async () => {
      await service?.close();
      await database?.close();
    });

    test('after sign-up the welcome mail is listed, newest first, not cached', async () => {
      const api = apiClient(service.url);
      const { accessToken } = await adminLogin(service.url);
      const list = async (query = '') => {
        const res = await api.call(`/api/v1/admin/emails${query}`, { token: accessToken });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        return ((await res.json()) as { data: OutboxMail[] }).data;
      };
      const first = `outbox-${randomUUID().slice(0, 8)}@example.com`;
      const second = `outbox-${randomUUID().slice(0, 8)}@example.com`;
      await api.register(first, PASSWORD);
      await eventually(
        'the first welcome mail',
        async () => (await list()).some((mail) => mail.to === first),
        { timeoutMs: 20_000 },
      );
      await api.register(second, PASSWORD);
      await eventually(
        'the second welcome mail',
        async () => (await list()).some((mail) => mail.to === second),
        { timeoutMs: 20_000 },
      );

      const mails = await list();
      const index = (to: string) => mails.findIndex((mail) => mail.to === to);
      assert.ok(index(second) < index(first), 'newest first');
      const welcome = mails[index(first)]!;
      assert.deepEqual(Object.keys(welcome).sort(), [
        'createdAt',
        'html',
        'id',
        'subject',
        'text',
        'to',
      ]);
      assert.equal(welcome.subject, 'Welcome to Throughline');
      assert.match(welcome.text, /\/verify-email\?token=[A-Za-z0-9_-]{43}/);
      assert.match(welcome.html ?? '', /<a href="[^"]*\/verify-email\?token=/);
      assert.ok(!Number.isNaN(Date.parse(welcome.createdAt)));

      const one = await list('?limit=1');
      assert.equal(one.length, 1);
      assert.equal(one[0]!.id, mails[0]!.id);
      const tooMany = await api.call('/api/v1/admin/emails?limit=101', { token: accessToken });
      assert.equal(tooMany.status, 422);
    });

    test('customers get 403, anonymous callers 401', async () => {
      const api = apiClient(service.url);
      const customer = await api.login(
        DEMO_ACCOUNTS.customer.email,
        DEMO_ACCOUNTS.customer.password,
      );
      const res = await api.call('/api/v1/admin/emails', { token: customer.accessToken });
      assert.equal(res.status, 403);
      assert.equal(await problemCode(res), 'HTTP_FORBIDDEN');
      assert.equal((await api.call('/api/v1/admin/emails')).status, 401);
    });

    test('provider events without MAIL_EVENTS_SECRET: 404 MAIL_EVENTS_DISABLED', async () => {
      const body = JSON.stringify({ type: 'complaint', email: 'x@example.com' });
      const headers = signWebhook({
        id: 'msg_1',
        at: new Date(),
        body,
        secrets: [generateWebhookSecret()],
      });
      const res = await fetch(`${service.url}/api/v1/mail/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      assert.equal(res.status, 404);
      assert.equal(await problemCode(res), 'MAIL_EVENTS_DISABLED');
    });
  });
}

describe('admin outbox listing with SMTP', () => {
  test('answers 404 MAIL_OUTBOX_DISABLED: the mail left, there is no outbox', async () => {
    const sink = await startSmtpSink();
    const service = await startService({ env: { SMTP_URL: sink.url } });
    try {
      const { accessToken } = await adminLogin(service.url);
      const res = await apiClient(service.url).call('/api/v1/admin/emails', {
        token: accessToken,
      });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(await problemCode(res), 'MAIL_OUTBOX_DISABLED');
    } finally {
      await service.close();
      await sink.close();
    }
  });
});
