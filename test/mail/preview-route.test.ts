// The HTML part of an outbox message on its own route, as the console frames
// it: administrators only (mail:manage), never cached, never sniffed, and
// under a CSP of its own that lets the message's inline styles and images
// through but nothing that runs, sandboxed, framable by our origin alone.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MAIL_PREVIEW_CSP } from '../../src/modules/mail/routes.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient, problemCode } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

interface OutboxMail {
  readonly id: string;
  readonly to: string;
  readonly html: string | null;
}

describe('an outbox message’s HTML on its own route', () => {
  let service: StartedService;
  let adminToken: string;
  let mail: OutboxMail;
  const path = (id: string) => `/api/v1/admin/emails/${id}/html`;

  before(async () => {
    service = await startService();
    const api = apiClient(service.url);
    adminToken = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    const forgot = await api.call('/api/v1/auth/password/forgot', {
      method: 'POST',
      json: { email: DEMO_ACCOUNTS.customer.email },
    });
    assert.equal(forgot.status, 202);
    await service.background.idle();
    const list = await api.call('/api/v1/admin/emails', { token: adminToken });
    const { data } = (await list.json()) as { data: OutboxMail[] };
    const found = data.find((entry) => entry.to === DEMO_ACCOUNTS.customer.email);
    assert.ok(found?.html, 'the reset mail, with an HTML part, is in the outbox');
    mail = found;
  });
  after(() => service.close());

  test('answers the message’s HTML under its own strict CSP, unsniffed and uncached', async () => {
    const res = await apiClient(service.url).call(path(mail.id), { token: adminToken });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('content-security-policy'), MAIL_PREVIEW_CSP);
    const csp = new Map(
      MAIL_PREVIEW_CSP.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name!, values.join(' ')];
      }),
    );
    assert.equal(csp.get('default-src'), "'none'");
    assert.equal(csp.get('style-src'), "'unsafe-inline'", 'the message’s inline styles');
    assert.equal(csp.get('img-src'), 'data: https:');
    assert.equal(csp.get('script-src'), undefined, 'no script source: default-src none');
    assert.equal(csp.get('frame-ancestors'), "'self'", 'only the console may frame it');
    assert.ok(csp.has('sandbox'));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.equal(await res.text(), mail.html);
  });

  test('is refused to callers without mail:manage, and to no caller at all', async () => {
    const api = apiClient(service.url);
    for (const account of [DEMO_ACCOUNTS.editor, DEMO_ACCOUNTS.customer]) {
      const { accessToken } = await api.login(account.email, account.password);
      const res = await api.call(path(mail.id), { token: accessToken });
      assert.equal(res.status, 403, account.email);
      assert.equal(await problemCode(res), 'HTTP_FORBIDDEN');
      assert.doesNotMatch(res.headers.get('content-security-policy') ?? '', /unsafe-inline/);
    }
    const anonymous = await api.call(path(mail.id));
    assert.equal(anonymous.status, 401);
  });

  test('an unknown message is 404, a malformed id 422', async () => {
    const api = apiClient(service.url);
    const unknown = await api.call(path(randomUUID()), { token: adminToken });
    assert.equal(unknown.status, 404);
    assert.equal(await problemCode(unknown), 'HTTP_NOT_FOUND');
    const malformed = await api.call(path('not-a-message'), { token: adminToken });
    assert.equal(malformed.status, 422);
  });
});
