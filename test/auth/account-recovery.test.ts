// Email verification and password recovery end to end, over real HTTP, on
// both engines. Mail goes to the service's disk outbox (DATA_DIR/mail), which
// the tests read for the links, as a user would read their inbox. A final
// suite runs the service against a real SMTP server instead.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import type { StoredMail } from '../../src/ports/mailer.ts';
import { addressOf } from '../../src/ports/mailer.contract.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';
import { eventually } from '../support/eventually.ts';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

interface Problem {
  code: string;
  title: string;
  detail?: string;
  errors?: { field: string; code: string }[];
}

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a much better passphrase 2';
const TOKEN_IN_LINK = /token=([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/;

function tokenIn(text: string): string {
  const token = TOKEN_IN_LINK.exec(text)?.[1];
  assert.ok(token !== undefined, `no token in: ${text}`);
  return token;
}

/** Calls against one running service. */
function client(service: () => StartedService) {
  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${service().url}${path}`, {
      ...init,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      },
    });
  const post = (path: string, body: unknown, token?: string) =>
    call(path, { method: 'POST', body: JSON.stringify(body), ...(token ? { token } : {}) });
  return {
    call,
    post,
    register: (email: string, password = PASSWORD) =>
      post('/api/v1/auth/register', { email, password }),
    login: (email: string, password = PASSWORD) => post('/api/v1/auth/login', { email, password }),
    tokens: async (email: string, password = PASSWORD) => {
      const res = await post('/api/v1/auth/login', { email, password });
      assert.equal(res.status, 200);
      return (await res.json()) as Tokens;
    },
    refresh: (refreshToken: string) => post('/api/v1/auth/refresh', { refreshToken }),
    /** The mail sent to `to` once background work has settled, oldest first. */
    mailsTo: async (to: string): Promise<StoredMail[]> => {
      await service().background.idle();
      const all = await listOutbox(join(service().dataDir, 'mail'));
      return all.filter((mail) => mail.to === to).reverse();
    },
  };
}

/** The disk-outbox client, whose `register` returns once the welcome (verification) mail is out. */
function outboxClient(service: () => StartedService) {
  const base = client(service);
  return {
    ...base,
    register: async (email: string, password = PASSWORD) => {
      const res = await base.register(email, password);
      if (res.status === 201) {
        await eventually(`the welcome mail to ${email}`, () => base.mailsTo(email), {
          until: (mails) => mails.some((mail) => mail.subject === 'Welcome to Throughline'),
        });
      }
      return res;
    },
  };
}

const problem = async (res: Response) => (await res.json()) as Problem;

for (const engine of ENGINES) {
  describe(`account recovery on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    const { call, post, register, login, tokens, refresh, mailsTo } = outboxClient(() => service);

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: { LOGIN_MAX_FAILURES: '3', PUBLIC_URL: 'https://shop.example.test' },
      });
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const verifyEmail = (token: string) => post('/api/v1/auth/verify-email', { token });
    const forgot = (email: string) => post('/api/v1/auth/password/forgot', { email });
    const reset = (token: string, password: string) =>
      post('/api/v1/auth/password/reset', { token, password });
    const emailVerified = async (accessToken: string) => {
      const me = await call('/api/v1/me', { token: accessToken });
      assert.equal(me.status, 200);
      return ((await me.json()) as { emailVerified: boolean }).emailVerified;
    };
    const resetLink = async (email: string) => {
      assert.equal((await forgot(email)).status, 202);
      const mail = (await mailsTo(email)).at(-1);
      assert.equal(mail?.subject, 'Reset your password');
      return tokenIn(mail.text);
    };

    test('registration mails a welcome with the verification link; using it verifies the address, once', async () => {
      const email = 'verify-me@example.com';
      assert.equal((await register(email)).status, 201);
      const session = await tokens(email);
      assert.equal(await emailVerified(session.accessToken), false);

      const mails = await mailsTo(email);
      assert.equal(mails.length, 1);
      const mail = mails[0]!;
      assert.equal(mail.subject, 'Welcome to Throughline');
      assert.equal(addressOf(mail.from), 'no-reply@localhost');
      const token = tokenIn(mail.text);
      assert.ok(mail.text.includes(`https://shop.example.test/verify-email?token=${token}`));
      assert.ok(
        mail.html?.includes(`href="https://shop.example.test/verify-email?token=${token}"`),
      );

      // Only the hash is stored.
      const stored = await database.sql.db
        .selectFrom('user_tokens')
        .innerJoin('users', 'users.id', 'user_tokens.user_id')
        .select(['user_tokens.token_hash', 'user_tokens.expires_at', 'user_tokens.created_at'])
        .where('users.email', '=', email)
        .executeTakeFirstOrThrow();
      assert.equal(stored.token_hash, createHash('sha256').update(token).digest('hex'));
      assert.equal(stored.expires_at.getTime() - stored.created_at.getTime(), 48 * 3600_000);

      assert.equal((await verifyEmail(token)).status, 204);
      assert.equal(await emailVerified(session.accessToken), true);

      const again = await verifyEmail(token);
      assert.equal(again.status, 400);
      assert.equal((await problem(again)).code, 'AUTH_ACCOUNT_TOKEN_INVALID');
    });

    test('unknown, used and expired links all get the same 400', async () => {
      const email = 'expired-link@example.com';
      await register(email);
      const token = tokenIn((await mailsTo(email))[0]!.text);
      await database.sql.db
        .updateTable('user_tokens')
        .set({ expires_at: new Date(Date.now() - 60_000) })
        .where('token_hash', '=', createHash('sha256').update(token).digest('hex'))
        .execute();
      const expired = await verifyEmail(token);
      const unknown = await verifyEmail('A'.repeat(43));
      assert.equal(expired.status, 400);
      assert.equal(unknown.status, 400);
      const strip = ({ code, title, detail }: Problem) => ({ code, title, detail });
      assert.deepEqual(strip(await problem(expired)), strip(await problem(unknown)));
      // A verification token is no reset token, and the other way round.
      const resetToken = await resetLink(email);
      assert.equal((await verifyEmail(resetToken)).status, 400);
      assert.equal(
        (await reset(token, NEW_PASSWORD)).status,
        400,
        'an expired verification token does not reset a password',
      );
    });

    test('resend: 202 with a new link that replaces the old; nothing once verified', async () => {
      const email = 'resend@example.com';
      await register(email);
      const { accessToken } = await tokens(email);
      assert.equal((await post('/api/v1/auth/verify-email/resend', {})).status, 401);

      const resent = await call('/api/v1/auth/verify-email/resend', {
        method: 'POST',
        token: accessToken,
      });
      assert.equal(resent.status, 202);
      const mails = await mailsTo(email);
      assert.equal(mails.length, 2);
      const [first, second] = mails.map((mail) => tokenIn(mail.text));
      assert.equal((await verifyEmail(first!)).status, 400);
      assert.equal((await verifyEmail(second!)).status, 204);

      const noop = await call('/api/v1/auth/verify-email/resend', {
        method: 'POST',
        token: accessToken,
      });
      assert.equal(noop.status, 202);
      assert.deepEqual(await noop.json(), await resent.json());
      assert.equal((await mailsTo(email)).length, 2);
    });

    test('forgot: 202 with the same body for an unknown address, and no mail', async () => {
      const email = 'known@example.com';
      await register(email);
      const known = await forgot(email);
      const unknown = await forgot('nobody-here@example.com');
      assert.equal(known.status, 202);
      assert.equal(unknown.status, 202);
      assert.equal(unknown.headers.get('cache-control'), known.headers.get('cache-control'));
      assert.deepEqual(await unknown.json(), await known.json());
      assert.deepEqual(await mailsTo('nobody-here@example.com'), []);
      const reset = (await mailsTo(email)).filter((m) => m.subject === 'Reset your password');
      assert.equal(reset.length, 1);
    });

    test('forgot → reset: the new password works, sessions end, the link is single-use', async () => {
      const email = 'forgetful@example.com';
      await register(email);
      const before = await tokens(email);
      const token = await resetLink(email);
      const stored = await database.sql.db
        .selectFrom('user_tokens')
        .select(['expires_at', 'created_at'])
        .where('token_hash', '=', createHash('sha256').update(token).digest('hex'))
        .executeTakeFirstOrThrow();
      assert.equal(stored.expires_at.getTime() - stored.created_at.getTime(), 30 * 60_000);

      // A refused password leaves the link usable. The policy is in the request
      // schema, so it is the usual validation problem.
      const weak = await reset(token, 'short');
      assert.equal(weak.status, 422);
      const weakProblem = await problem(weak);
      assert.equal(weakProblem.code, 'HTTP_VALIDATION_FAILED');
      assert.deepEqual(
        weakProblem.errors?.map((e) => `${e.field}:${e.code}`),
        ['password:too_short'],
      );

      assert.equal((await reset(token, NEW_PASSWORD)).status, 204);
      assert.equal((await problem(await login(email))).code, 'AUTH_INVALID_CREDENTIALS');
      const after = await tokens(email, NEW_PASSWORD);
      assert.equal((await refresh(before.refreshToken)).status, 401);
      const reused = await reset(token, 'yet another passphrase 3');
      assert.equal(reused.status, 400);
      assert.equal((await problem(reused)).code, 'AUTH_ACCOUNT_TOKEN_INVALID');
      // The link reached the mailbox, which proves the address too.
      assert.equal(await emailVerified(after.accessToken), true);

      const audited = await database.sql.db
        .selectFrom('audit_log')
        .innerJoin('users', (join) =>
          join.on((eb) => eb(eb.cast('users.id', 'text'), '=', eb.ref('audit_log.target_id'))),
        )
        .select(['audit_log.action', 'audit_log.outcome'])
        .where('users.email', '=', email)
        .where('audit_log.action', 'like', 'auth.password_reset%')
        .orderBy('audit_log.id')
        .execute();
      assert.deepEqual(
        audited.map((row) => `${row.action}:${row.outcome}`),
        ['auth.password_reset_requested:success', 'auth.password_reset:success'],
      );
    });

    test('a reset revokes the other reset links and lifts the login lock', async () => {
      const email = 'locked-out@example.com';
      await register(email);
      for (let attempt = 0; attempt < 3; attempt++) await login(email, 'not my password!!');
      assert.equal((await login(email)).status, 429);
      const older = await resetLink(email);
      const newer = await resetLink(email);
      assert.equal((await reset(newer, NEW_PASSWORD)).status, 204);
      assert.equal((await reset(older, 'some other passphrase 4')).status, 400);
      assert.equal((await login(email, NEW_PASSWORD)).status, 200);
    });

    test('two concurrent resets with one link: exactly one succeeds', async () => {
      const email = 'racing@example.com';
      await register(email);
      const token = await resetLink(email);
      const results = await Promise.all([
        reset(token, 'first racing passphrase'),
        reset(token, 'second racing passphrase'),
      ]);
      assert.deepEqual(results.map((res) => res.status).sort(), [204, 400]);
      const winner = results[0].status === 204 ? 'first' : 'second';
      assert.equal((await login(email, `${winner} racing passphrase`)).status, 200);
    });

    test('two concurrent verifications with one link: exactly one succeeds', async () => {
      const email = 'racing-verify@example.com';
      await register(email);
      const token = tokenIn((await mailsTo(email))[0]!.text);
      const results = await Promise.all([verifyEmail(token), verifyEmail(token)]);
      assert.deepEqual(results.map((res) => res.status).sort(), [204, 400]);
    });

    test('at most three reset mails per address in the window; the answer does not change', async () => {
      const email = 'mail-bombed@example.com';
      await register(email);
      for (let request = 0; request < 5; request++) {
        assert.equal((await forgot(email)).status, 202);
      }
      const resets = (await mailsTo(email)).filter((m) => m.subject === 'Reset your password');
      assert.equal(resets.length, 3);
    });

    test('change password: wrong current 403, weak 422, then other sessions end', async () => {
      const email = 'changer@example.com';
      await register(email);
      const here = await tokens(email);
      const elsewhere = await tokens(email);
      const change = (body: unknown) =>
        call('/api/v1/me/password', {
          method: 'POST',
          body: JSON.stringify(body),
          token: here.accessToken,
        });
      const forbidden = await change({
        currentPassword: 'not my password!!',
        newPassword: NEW_PASSWORD,
      });
      assert.equal(forbidden.status, 403);
      assert.equal((await problem(forbidden)).code, 'AUTH_CURRENT_PASSWORD_INVALID');

      const weak = await change({ currentPassword: PASSWORD, newPassword: email });
      assert.equal(weak.status, 422);
      assert.deepEqual(
        (await problem(weak)).errors?.map((e) => `${e.field}:${e.code}`),
        ['newPassword:same_as_email'],
      );

      assert.equal(
        (await change({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })).status,
        204,
      );
      assert.equal((await refresh(elsewhere.refreshToken)).status, 401);
      assert.equal((await refresh(here.refreshToken)).status, 200, 'the caller stays signed in');
      assert.equal((await login(email)).status, 401);
      assert.equal((await login(email, NEW_PASSWORD)).status, 200);
      assert.equal((await call('/api/v1/me/password', { method: 'POST', body: '{}' })).status, 401);
    });
  });
}

describe('account mail over SMTP', () => {
  test('a real SMTP server receives the welcome email, text and HTML', async () => {
    const sink = await startSmtpSink();
    const service = await startService({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Throughline Shop <no-reply@shop.example.test>' },
    });
    try {
      const { register, post } = client(() => service);
      const email = 'smtp-user@example.com';
      assert.equal((await register(email)).status, 201);
      const [mail, ...more] = await eventually(
        'the welcome mail over SMTP',
        () => sink.deliveredTo(email),
        { until: (mails) => mails.length > 0 },
      );
      assert.ok(mail !== undefined);
      assert.equal(more.length, 0);
      assert.equal(mail.mimeType, 'multipart/alternative');
      assert.equal(mail.subject, 'Welcome to Throughline');
      assert.equal(addressOf(mail.from), 'no-reply@shop.example.test');
      const token = tokenIn(mail.text);
      assert.ok(mail.html?.includes(`verify-email?token=${token}`));
      assert.equal((await post('/api/v1/auth/verify-email', { token })).status, 204);
      assert.deepEqual(await listOutbox(join(service.dataDir, 'mail')), []);
    } finally {
      await service.close();
      await sink.close();
    }
  });

  test('a mail server that is down fails the mail job, logged, not the registration', async () => {
    const sink = await startSmtpSink();
    await sink.close();
    const captured = captureLogger('warn');
    const service = await startService({ env: { SMTP_URL: sink.url }, logger: captured.logger });
    try {
      const { register } = client(() => service);
      assert.equal((await register('no-mail@example.com')).status, 201);
      const failure = await eventually(
        'the failed mail job in the log',
        () => captured.records.find((r) => r.msg === 'job failed; will retry'),
        { until: (record) => record !== undefined },
      );
      assert.equal(failure?.queue, 'events.deliver');
      assert.equal(failure?.attempt, 1);
    } finally {
      await service.close();
    }
  });
});
