// The welcome mail end to end: the real service registers a user, its
// `user.registered` job renders the welcome and sends it over SMTP to a real
// SMTP server; the test reads both MIME parts as a mail client would. A
// display name made to be markup must arrive as text: as typed in the text
// part, escaped in the HTML part. On PGlite, and on PostgreSQL with
// DATABASE_URL.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../support/eventually.ts';
import { apiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';
const HOSTILE = '<script>alert(1)</script> & "x"';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;';
const POSTAL = 'Throughline GmbH, 1 Example Street, 10115 Berlin';
const VERIFY_LINK = /https:\/\/shop\.example\.test\/verify-email\?token=([A-Za-z0-9_-]{43})/;

for (const engine of ENGINES) {
  describe(`welcome mail over SMTP on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let sink: SmtpSink;
    let service: StartedService;

    before(async () => {
      database = await engine.open();
      sink = await startSmtpSink();
      service = await startService({
        sql: database.sql,
        env: {
          SMTP_URL: sink.url,
          PUBLIC_URL: 'https://shop.example.test',
          MAIL_POSTAL_ADDRESS: POSTAL,
        },
      });
    });

    after(async () => {
      await service?.close();
      await sink?.close();
      await database?.close();
    });

    const register = async (displayName: string) => {
      const email = `welcome-${randomUUID().slice(0, 8)}@example.com`;
      const res = await apiClient(service.url).call('/api/v1/auth/register', {
        method: 'POST',
        json: { email, password: PASSWORD, displayName },
      });
      assert.equal(res.status, 201, await res.text());
      await eventually(
        'the welcome mail reached the SMTP server',
        () => sink.deliveredTo(email).length > 0,
        { timeoutMs: 20_000 },
      );
      return { email, mails: sink.deliveredTo(email) };
    };

    test('a hostile display name: plain in the text part, escaped in the HTML part', async () => {
      const { email, mails } = await register(HOSTILE);
      assert.equal(mails.length, 1, 'one mail at sign-up, not a welcome and a verification');
      const mail = mails[0]!;
      assert.equal(mail.mimeType, 'multipart/alternative');
      assert.equal(mail.subject, `Welcome to Throughline, ${HOSTILE}`);

      assert.ok(mail.text.includes(`Hello ${HOSTILE},`), mail.text);
      const token = VERIFY_LINK.exec(mail.text)?.[1];
      assert.ok(token !== undefined, 'the text part has the verification link');
      assert.ok(mail.text.includes(POSTAL));
      assert.ok(!mail.text.includes('&lt;'));

      const html = mail.html ?? '';
      assert.ok(html.includes(`Hello ${ESCAPED},`), html);
      assert.ok(!html.includes('<script>'), 'no markup from the display name');
      assert.match(
        html,
        new RegExp(
          `<a href="https://shop\\.example\\.test/verify-email\\?token=${token}"[^>]*>Confirm my email address</a>`,
        ),
      );
      assert.ok(html.includes(POSTAL));

      // The link in the welcome is the live verification link.
      const api = apiClient(service.url);
      const verified = await api.call('/api/v1/auth/verify-email', {
        method: 'POST',
        json: { token },
      });
      assert.equal(verified.status, 204);
      const { accessToken } = await api.login(email, PASSWORD);
      const me = await api.call('/api/v1/me', { token: accessToken });
      assert.equal(((await me.json()) as { emailVerified: boolean }).emailVerified, true);
    });

    test('without a display name the welcome greets without one', async () => {
      const { mails } = await register('');
      const mail = mails[0]!;
      assert.equal(mail.subject, 'Welcome to Throughline');
      assert.ok(mail.text.startsWith('Hello,'), mail.text);
      assert.match(mail.text, VERIFY_LINK);
      assert.match(mail.html ?? '', /<a href="https:\/\/shop\.example\.test\/verify-email\?token=/);
    });
  });
}
