// TOTP second factor over real HTTP on both engines: enrolment, login's
// second step (tokens and browser sessions), wrong, replayed and skewed
// codes, recovery codes, challenge limits, and the secret at rest.
//
// Codes are computed from the real clock. The steps chosen stay right if a
// 30 s step boundary passes mid-test: a code meant to be accepted is for the
// current step or the next one (after a boundary, current or previous: still
// inside the ±1 window); a code meant to be refused for skew is +3 or -2 (at
// worst +2 or -3 after a boundary: still outside).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totpCode, totpStep } from '../../src/modules/auth/mfa/totp.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PASSWORD = 'correct horse battery staple';

interface Enrolled {
  readonly email: string;
  readonly secret: string;
  readonly recoveryCodes: string[];
  /** The step the confirmation code was for (now used up). */
  readonly usedStep: number;
}

for (const engine of ENGINES) {
  describe(`TOTP second factor on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;

    before(async () => {
      database = await engine.open();
      service = await startService({ sql: database.sql, env: { LOGIN_MAX_FAILURES: '20' } });
      api = apiClient(service.url);
    });

    after(async () => {
      await service.close();
      await database.close();
    });

    const codeAt = (secret: string, offset: number) =>
      totpCode(secret, totpStep(Date.now()) + offset);

    async function enrol(email: string): Promise<Enrolled> {
      await api.register(email, PASSWORD);
      const { accessToken } = await api.login(email, PASSWORD);
      const started = await api.call('/api/v1/me/mfa/totp', { method: 'POST', token: accessToken });
      assert.equal(started.status, 201);
      const { secret, otpauthUri } = (await started.json()) as {
        secret: string;
        otpauthUri: string;
      };
      assert.match(secret, /^[A-Z2-7]{32}$/);
      const uri = new URL(otpauthUri);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.searchParams.get('secret'), secret);
      assert.ok(decodeURIComponent(uri.pathname).endsWith(email));

      const usedStep = totpStep(Date.now());
      const confirmed = await api.call('/api/v1/me/mfa/totp/confirm', {
        method: 'POST',
        token: accessToken,
        json: { code: totpCode(secret, usedStep) },
      });
      assert.equal(confirmed.status, 200, await confirmed.clone().text());
      const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
      assert.equal(recoveryCodes.length, 10);
      return { email, secret, recoveryCodes, usedStep };
    }

    /** Password step; returns the challenge token the 401 carries. */
    async function passwordStep(email: string, path = '/api/v1/auth/login'): Promise<string> {
      const res = await api.call(path, {
        method: 'POST',
        json: { email, password: PASSWORD },
        headers: { origin: service.url },
      });
      assert.equal(res.status, 401);
      const problem = (await res.json()) as {
        code: string;
        mfaToken: string;
        mfaExpiresIn: number;
      };
      assert.equal(problem.code, 'AUTH_MFA_REQUIRED');
      assert.match(problem.mfaToken, /^mfa_/);
      assert.equal(problem.mfaExpiresIn, 300);
      return problem.mfaToken;
    }

    const secondStep = (mfaToken: string, factor: Record<string, string>) =>
      api.call('/api/v1/auth/login/mfa', { method: 'POST', json: { mfaToken, ...factor } });

    test('enrolment needs a matching first code; status reports it on', async () => {
      await api.register('mfa-enrol@example.com', PASSWORD);
      const { accessToken } = await api.login('mfa-enrol@example.com', PASSWORD);
      const started = await api.call('/api/v1/me/mfa/totp', { method: 'POST', token: accessToken });
      const { secret } = (await started.json()) as { secret: string };
      const wrong = await api.call('/api/v1/me/mfa/totp/confirm', {
        method: 'POST',
        token: accessToken,
        json: { code: codeAt(secret, 3) },
      });
      assert.equal(wrong.status, 422);
      assert.equal(await problemCode(wrong), 'AUTH_MFA_CODE_MISMATCH');
      const off = await api.call('/api/v1/me/mfa', { token: accessToken });
      assert.deepEqual(await off.json(), {
        enabled: false,
        factors: { totp: false, passkeys: 0 },
        recoveryCodesRemaining: 0,
      });

      const ok = await api.call('/api/v1/me/mfa/totp/confirm', {
        method: 'POST',
        token: accessToken,
        json: { code: codeAt(secret, 0) },
      });
      assert.equal(ok.status, 200);
      const on = await api.call('/api/v1/me/mfa', { token: accessToken });
      assert.deepEqual(await on.json(), {
        enabled: true,
        factors: { totp: true, passkeys: 0 },
        recoveryCodesRemaining: 10,
      });
      const again = await api.call('/api/v1/me/mfa/totp', { method: 'POST', token: accessToken });
      assert.equal(again.status, 409);
      assert.equal(await problemCode(again), 'AUTH_MFA_ALREADY_ENABLED');
    });

    test('the secret is stored encrypted, recovery codes only as hashes', async () => {
      const enrolled = await enrol('mfa-at-rest@example.com');
      const row = await database.sql.db
        .selectFrom('user_mfa')
        .innerJoin('users', 'users.id', 'user_mfa.user_id')
        .select(['secret_ciphertext', 'last_used_step', 'user_mfa.user_id'])
        .where('users.email', '=', enrolled.email)
        .executeTakeFirstOrThrow();
      assert.ok(!row.secret_ciphertext.includes(enrolled.secret));
      assert.match(row.secret_ciphertext, /^v1\./);
      assert.ok(Number(row.last_used_step) >= enrolled.usedStep);
      const codes = await database.sql.db
        .selectFrom('mfa_recovery_codes')
        .select('code_hash')
        .where('user_id', '=', row.user_id)
        .execute();
      assert.equal(codes.length, 10);
      for (const { code_hash } of codes) {
        assert.match(code_hash, /^[0-9a-f]{64}$/);
        assert.ok(!enrolled.recoveryCodes.some((code) => code_hash.includes(code)));
      }
    });

    test('login asks for the second factor; wrong, replayed and skewed codes are 401', async () => {
      const enrolled = await enrol('mfa-login@example.com');
      const mfaToken = await passwordStep(enrolled.email);

      const replayed = await secondStep(mfaToken, {
        code: totpCode(enrolled.secret, enrolled.usedStep),
      });
      assert.equal(replayed.status, 401, 'the enrolment code cannot be used again');
      assert.equal(await problemCode(replayed), 'AUTH_MFA_INVALID_CODE');

      const skewedAhead = await secondStep(mfaToken, { code: codeAt(enrolled.secret, 3) });
      assert.equal(skewedAhead.status, 401);
      const skewedBehind = await secondStep(mfaToken, { code: codeAt(enrolled.secret, -2) });
      assert.equal(skewedBehind.status, 401);
      const live = [-1, 0, 1, 2].map((offset) => codeAt(enrolled.secret, offset));
      const unrelated = ['000000', '111111', '222222', '333333', '444444'].find(
        (candidate) => !live.includes(candidate),
      )!;
      const garbage = await secondStep(mfaToken, { code: unrelated });
      assert.equal(garbage.status, 401);

      // One step ahead is inside the window (clock drift).
      const code = totpCode(enrolled.secret, enrolled.usedStep + 1);
      const ok = await secondStep(mfaToken, { code });
      assert.equal(ok.status, 200, await ok.clone().text());
      const tokens = (await ok.json()) as { accessToken: string };
      const me = await api.call('/api/v1/me', { token: tokens.accessToken });
      assert.equal(((await me.json()) as { email: string }).email, enrolled.email);

      // The same code on a fresh challenge: replay.
      const again = await secondStep(await passwordStep(enrolled.email), { code });
      assert.equal(again.status, 401);
      // The finished challenge cannot be used twice.
      const reuse = await secondStep(mfaToken, { code: codeAt(enrolled.secret, 1) });
      assert.equal(reuse.status, 401);
      assert.equal(await problemCode(reuse), 'AUTH_MFA_CHALLENGE_INVALID');
    });

    test('a challenge allows five attempts, then is dead even for the right code', async () => {
      const enrolled = await enrol('mfa-attempts@example.com');
      const mfaToken = await passwordStep(enrolled.email);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const res = await secondStep(mfaToken, { code: codeAt(enrolled.secret, 3) });
        assert.equal(await problemCode(res), 'AUTH_MFA_INVALID_CODE');
      }
      const right = await secondStep(mfaToken, {
        code: totpCode(enrolled.secret, enrolled.usedStep + 1),
      });
      assert.equal(right.status, 401);
      assert.equal(await problemCode(right), 'AUTH_MFA_CHALLENGE_INVALID');
    });

    test('a recovery code works once, in any case and with or without dashes', async () => {
      const enrolled = await enrol('mfa-recovery@example.com');
      const recovery = enrolled.recoveryCodes[0]!;
      const first = await secondStep(await passwordStep(enrolled.email), {
        recoveryCode: recovery.toUpperCase().replaceAll('-', ''),
      });
      assert.equal(first.status, 200);
      const second = await secondStep(await passwordStep(enrolled.email), {
        recoveryCode: recovery,
      });
      assert.equal(second.status, 401);
      const both = await api.call('/api/v1/auth/login/mfa', {
        method: 'POST',
        json: { mfaToken: 'mfa_x', code: '123456', recoveryCode: recovery },
      });
      assert.equal(both.status, 422, 'exactly one factor per attempt');
    });

    test('browser sign-in takes the second step too', async () => {
      const enrolled = await enrol('mfa-browser@example.com');
      const mfaToken = await passwordStep(enrolled.email, '/api/v1/auth/session');
      const res = await api.call('/api/v1/auth/session/mfa', {
        method: 'POST',
        json: { mfaToken, code: totpCode(enrolled.secret, enrolled.usedStep + 1) },
        headers: { origin: service.url },
      });
      assert.equal(res.status, 201);
      assert.match(res.headers.getSetCookie()[0]!, /^__Host-session=/);
    });

    test('disabling needs a valid factor; afterwards the password alone signs in', async () => {
      const enrolled = await enrol('mfa-disable@example.com');
      const tokens = (await (
        await secondStep(await passwordStep(enrolled.email), {
          recoveryCode: enrolled.recoveryCodes[1]!,
        })
      ).json()) as { accessToken: string };
      const wrong = await api.call('/api/v1/me/mfa/disable', {
        method: 'POST',
        token: tokens.accessToken,
        json: { code: codeAt(enrolled.secret, 3) },
      });
      assert.equal(wrong.status, 422);
      const ok = await api.call('/api/v1/me/mfa/disable', {
        method: 'POST',
        token: tokens.accessToken,
        json: { recoveryCode: enrolled.recoveryCodes[2]! },
      });
      assert.equal(ok.status, 204);
      await api.login(enrolled.email, PASSWORD);

      const me = (await (await api.call('/api/v1/me', { token: tokens.accessToken })).json()) as {
        id: string;
      };
      const audit = await database.sql.db
        .selectFrom('audit_log')
        .select(['action', 'outcome'])
        .where('action', 'in', ['mfa.enabled', 'mfa.disabled'])
        .where('actor_id', '=', me.id)
        .orderBy('id')
        .execute();
      assert.deepEqual(
        audit.map((row) => `${row.action}:${row.outcome}`),
        ['mfa.enabled:success', 'mfa.disabled:failure', 'mfa.disabled:success'],
      );
    });
  });
}
