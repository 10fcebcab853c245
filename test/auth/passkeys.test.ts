// Passkeys over real HTTP with a software authenticator (an ES256 key made
// with node:crypto, the WebAuthn bytes built by hand): registration, the
// password-less sign-in (tokens and browser session), the second step of a
// password sign-in, a cloned authenticator whose counter does not grow, a
// revoked passkey, the second-factor status (a passkey is one), a replayed
// ceremony and a wrong origin.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';
import {
  softwareAuthenticator,
  type SoftwareAuthenticator,
} from '../support/webauthn/authenticator.ts';

const ORIGIN = 'https://shop.test';
const RP_ID = 'shop.test';
const PASSWORD = 'correct horse battery staple';

interface Ceremony {
  ceremonyId: string;
  publicKey: {
    challenge: string;
    rp?: { id: string };
    rpId?: string;
    allowCredentials?: { id: string }[];
    authenticatorSelection?: { userVerification?: string; residentKey?: string };
    attestation?: string;
  };
}

for (const engine of ENGINES) {
  describe(`Passkeys on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let service: StartedService;
    let api: ApiClient;

    before(async () => {
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: ORIGIN },
      });
      api = apiClient(service.url);
    });

    after(async () => {
      await service?.close();
      await database?.close();
    });

    async function options(path: string, init: Parameters<ApiClient['call']>[1] = {}) {
      const res = await api.call(path, { method: 'POST', ...init });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as Ceremony;
    }

    /** A new account with a registered passkey. */
    async function enrolled(email: string, origin = ORIGIN) {
      const user = await api.register(email, PASSWORD);
      const { accessToken } = await api.login(email, PASSWORD);
      const authenticator = softwareAuthenticator({ origin, rpId: RP_ID });
      const ceremony = await options('/api/v1/account/passkeys/registration/options', {
        token: accessToken,
      });
      assert.equal(ceremony.publicKey.rp?.id, RP_ID);
      assert.equal(ceremony.publicKey.attestation, 'none');
      assert.equal(ceremony.publicKey.authenticatorSelection?.residentKey, 'required');
      const res = await api.call('/api/v1/account/passkeys/registration/verify', {
        method: 'POST',
        token: accessToken,
        json: {
          ceremonyId: ceremony.ceremonyId,
          name: 'Laptop',
          credential: authenticator.create(ceremony.publicKey),
        },
      });
      return { user, accessToken, authenticator, res };
    }

    async function passkeySignIn(authenticator: SoftwareAuthenticator) {
      const ceremony = await options('/api/v1/auth/passkey/options');
      return api.call('/api/v1/auth/passkey', {
        method: 'POST',
        json: {
          ceremonyId: ceremony.ceremonyId,
          credential: authenticator.get(ceremony.publicKey),
        },
      });
    }

    async function me(accessToken: string) {
      const res = await api.call('/api/v1/me', { token: accessToken });
      return (await res.json()) as { id: string };
    }

    test('register, then sign in without a password (tokens and a browser session)', async () => {
      const { user, accessToken, authenticator, res } = await enrolled('pk-ann@example.com');
      assert.equal(res.status, 201, await res.clone().text());
      const created = (await res.json()) as { id: string; name: string };
      assert.equal(created.name, 'Laptop');

      const signIn = await passkeySignIn(authenticator);
      assert.equal(signIn.status, 200, await signIn.clone().text());
      const pair = (await signIn.json()) as { accessToken: string };
      assert.equal((await me(pair.accessToken)).id, user.id);

      const ceremony = await options('/api/v1/auth/passkey/options');
      assert.equal(ceremony.publicKey.rpId, RP_ID);
      const session = await api.call('/api/v1/auth/session/passkey', {
        method: 'POST',
        headers: { origin: service.url },
        json: {
          ceremonyId: ceremony.ceremonyId,
          credential: authenticator.get(ceremony.publicKey),
        },
      });
      assert.equal(session.status, 201, await session.clone().text());
      assert.match(session.headers.get('set-cookie') ?? '', /__Host-session=/);

      const list = await api.call('/api/v1/account/passkeys', { token: accessToken });
      const { items } = (await list.json()) as { items: { id: string; lastUsedAt: string }[] };
      assert.equal(items.length, 1);
      assert.ok(items[0]!.lastUsedAt);
    });

    test('a passkey is the second step of a password sign-in', async () => {
      const { user, authenticator } = await enrolled('pk-ben@example.com');
      const stranger = (await enrolled('pk-bob@example.com')).authenticator;
      const passwordStep = async () => {
        const res = await api.call('/api/v1/auth/login', {
          method: 'POST',
          json: { email: 'pk-ben@example.com', password: PASSWORD },
        });
        assert.equal(res.status, 401);
        const problem = (await res.json()) as { code: string; mfaToken: string };
        assert.equal(problem.code, 'AUTH_MFA_REQUIRED');
        return problem.mfaToken;
      };
      const secondStep = async (mfaToken: string, signer: SoftwareAuthenticator) => {
        const ceremony = await options('/api/v1/auth/login/mfa/passkey', { json: { mfaToken } });
        return api.call('/api/v1/auth/login/mfa', {
          method: 'POST',
          json: {
            mfaToken,
            passkey: {
              ceremonyId: ceremony.ceremonyId,
              credential: signer.get(ceremony.publicKey),
            },
          },
        });
      };

      const mfaToken = await passwordStep();
      const ceremony = await options('/api/v1/auth/login/mfa/passkey', { json: { mfaToken } });
      assert.deepEqual(
        ceremony.publicKey.allowCredentials?.map((c) => c.id),
        [authenticator.credentialId],
      );
      // Another account's passkey does not pass this account's step.
      const wrong = await secondStep(mfaToken, stranger);
      assert.equal(wrong.status, 401);
      assert.equal(await problemCode(wrong), 'AUTH_MFA_INVALID_CODE');

      const ok = await secondStep(mfaToken, authenticator);
      assert.equal(ok.status, 200, await ok.clone().text());
      const pair = (await ok.json()) as { accessToken: string };
      assert.equal((await me(pair.accessToken)).id, user.id);
    });

    test('a cloned authenticator whose counter does not grow is refused', async () => {
      const { authenticator } = await enrolled('pk-cid@example.com');
      assert.equal((await passkeySignIn(authenticator)).status, 200);
      const clone = authenticator.clone();
      assert.equal((await passkeySignIn(authenticator)).status, 200);
      // The clone's next counter equals the one just used by the original.
      const cloned = await passkeySignIn(clone);
      assert.equal(cloned.status, 401);
      assert.equal(await problemCode(cloned), 'AUTH_PASSKEY_INVALID');
      const reasons = await service.sql.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'auth.passkey')
        .execute();
      assert.ok(
        reasons.some(
          (row) => (row.details as { reason?: string }).reason === 'counter_not_increased',
        ),
      );
      // The original carries on.
      assert.equal((await passkeySignIn(authenticator)).status, 200);
    });

    test('a revoked passkey signs in no more, nor is a second factor', async () => {
      const { accessToken, authenticator } = await enrolled('pk-dee@example.com');
      const list = await api.call('/api/v1/account/passkeys', { token: accessToken });
      const { items } = (await list.json()) as { items: { id: string }[] };
      const revoked = await api.call(`/api/v1/account/passkeys/${items[0]!.id}`, {
        method: 'DELETE',
        token: accessToken,
      });
      assert.equal(revoked.status, 204);
      const again = await api.call(`/api/v1/account/passkeys/${items[0]!.id}`, {
        method: 'DELETE',
        token: accessToken,
      });
      assert.equal(await problemCode(again), 'AUTH_PASSKEY_NOT_FOUND');

      const res = await passkeySignIn(authenticator);
      assert.equal(res.status, 401);
      assert.equal(await problemCode(res), 'AUTH_PASSKEY_INVALID');
      // No live passkey left: the password alone signs in again.
      await api.login('pk-dee@example.com', PASSWORD);
    });

    test('the second-factor status counts a passkey, as the sign-in does', async () => {
      const email = 'pk-gus@example.com';
      const { accessToken, res } = await enrolled(email);
      assert.equal(res.status, 201, await res.clone().text());
      const status = async () => {
        const answer = await api.call('/api/v1/me/mfa', { token: accessToken });
        assert.equal(answer.status, 200);
        return answer.json();
      };
      assert.deepEqual(await status(), {
        enabled: true,
        factors: { totp: false, passkeys: 1 },
        recoveryCodesRemaining: 0,
      });
      // What the status says is what the password sign-in does: a second step.
      const login = await api.call('/api/v1/auth/login', {
        method: 'POST',
        json: { email, password: PASSWORD },
      });
      assert.equal(login.status, 401);
      assert.equal(await problemCode(login), 'AUTH_MFA_REQUIRED');

      const { id } = (await res.json()) as { id: string };
      const revoked = await api.call(`/api/v1/account/passkeys/${id}`, {
        method: 'DELETE',
        token: accessToken,
      });
      assert.equal(revoked.status, 204);
      assert.deepEqual(await status(), {
        enabled: false,
        factors: { totp: false, passkeys: 0 },
        recoveryCodesRemaining: 0,
      });
      await api.login(email, PASSWORD);
    });

    test('a ceremony answers once, and only to its own challenge', async () => {
      const { authenticator } = await enrolled('pk-eve@example.com');
      const ceremony = await options('/api/v1/auth/passkey/options');
      const credential = authenticator.get(ceremony.publicKey);
      const body = { ceremonyId: ceremony.ceremonyId, credential };
      const first = await api.call('/api/v1/auth/passkey', { method: 'POST', json: body });
      assert.equal(first.status, 200);
      const replay = await api.call('/api/v1/auth/passkey', { method: 'POST', json: body });
      assert.equal(await problemCode(replay), 'AUTH_PASSKEY_CEREMONY_INVALID');

      const other = await options('/api/v1/auth/passkey/options');
      const mismatched = await api.call('/api/v1/auth/passkey', {
        method: 'POST',
        json: {
          ceremonyId: other.ceremonyId,
          credential: authenticator.get({ challenge: ceremony.publicKey.challenge }),
        },
      });
      assert.equal(mismatched.status, 401);
      assert.equal(await problemCode(mismatched), 'AUTH_PASSKEY_INVALID');

      // A user handle naming someone other than the credential's owner.
      const third = await options('/api/v1/auth/passkey/options');
      const assertion = authenticator.get(third.publicKey) as { response: Record<string, unknown> };
      assertion.response.userHandle = Buffer.alloc(16, 7).toString('base64url');
      const foreign = await api.call('/api/v1/auth/passkey', {
        method: 'POST',
        json: { ceremonyId: third.ceremonyId, credential: assertion },
      });
      assert.equal(await problemCode(foreign), 'AUTH_PASSKEY_INVALID');
    });

    test('a credential made for another origin is not registered', async () => {
      const { res } = await enrolled('pk-fay@example.com', 'https://evil.test');
      assert.equal(res.status, 422);
      assert.equal(await problemCode(res), 'AUTH_PASSKEY_REGISTRATION_FAILED');
    });
  });
}
