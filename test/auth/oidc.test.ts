// Sign-in through OpenID Connect against a real provider (oidc-provider, in
// its own process on port 0): the happy path for tokens and browser
// sessions, a tampered or foreign `state`, a replayed callback and a code
// reused in another attempt, a tampered `nonce`, an expired id_token (a
// provider whose clock runs two hours behind), the provider's key rotation,
// and linking to an existing account only with its owner's consent.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { totpCode, totpStep } from '../../src/modules/auth/mfa/totp.ts';
import { apiClient, problemCode, type ApiClient } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { testBrowser } from '../support/oidc-provider/browser.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider/start.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { startService, type StartedService } from '../support/start.ts';

const PUBLIC_URL = 'https://shop.test';
const PASSWORD = 'correct horse battery staple';
const callbackOf = (id: string) => `${PUBLIC_URL}/api/v1/auth/oidc/${id}/callback`;
const client = (id: string) => ({
  client_id: `throughline-${id}`,
  client_secret: `secret-of-${id}-0123456789`,
  redirect_uris: [callbackOf(id)],
});

for (const engine of ENGINES) {
  describe(`OpenID Connect sign-in on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let provider: TestProvider;
    let lateProvider: TestProvider;
    let service: StartedService;
    let api: ApiClient;

    before(async () => {
      [provider, lateProvider] = await Promise.all([
        startTestProvider({ clients: [client('test')] }),
        // Everything it issues is two hours old: its id_tokens have expired.
        startTestProvider({ clients: [client('late')], clockOffsetSeconds: -7200 }),
      ]);
      const settings = (id: string, issuer: string) => ({
        id,
        issuer,
        clientId: client(id).client_id,
        clientSecret: client(id).client_secret,
        // A rotation must be picked up at once in this test; production keeps a cooldown.
        jwksRefreshCooldownSeconds: 0,
      });
      database = await engine.open();
      service = await startService({
        sql: database.sql,
        env: {
          PUBLIC_URL,
          OIDC_PROVIDERS: JSON.stringify([
            settings('test', provider.issuer),
            settings('late', lateProvider.issuer),
          ]),
        },
      });
      api = apiClient(service.url);
    });

    after(async () => {
      await service?.close();
      await database?.close();
      await provider?.close();
      await lateProvider?.close();
    });

    const browser = () => testBrowser(PUBLIC_URL, service.url);
    const start = (id = 'test', response = 'tokens') =>
      `/api/v1/auth/oidc/${id}/start?response=${response}`;

    async function auditReasons(action: string): Promise<string[]> {
      const rows = await service.sql.db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', action)
        .execute();
      return rows.map((row) => String((row.details as { reason?: unknown }).reason));
    }

    async function me(accessToken: string): Promise<{ id: string; email: string }> {
      const res = await api.call('/api/v1/me', { token: accessToken });
      assert.equal(res.status, 200);
      return (await res.json()) as { id: string; email: string };
    }

    test('a new subject gets an account; the same subject signs in to it again', async () => {
      const user = { sub: 'ann-1', email: 'Ann.Oidc@example.com', verified: true, name: 'Ann' };
      const first = browser();
      const callback = await first.signInAtProvider(start(), user);
      assert.equal(callback.pathname, '/api/v1/auth/oidc/test/callback');
      const res = await first.get(callback.href);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const pair = (await res.json()) as { accessToken: string };
      const account = await me(pair.accessToken);
      assert.equal(account.email, 'ann.oidc@example.com');

      const second = browser();
      const again = await second.get((await second.signInAtProvider(start(), user)).href);
      assert.equal(again.status, 200);
      const { accessToken } = (await again.json()) as { accessToken: string };
      assert.equal((await me(accessToken)).id, account.id);

      // The account has no password anyone could sign in with.
      const login = await api.call('/api/v1/auth/login', {
        method: 'POST',
        json: { email: 'ann.oidc@example.com', password: '!no-password' },
      });
      assert.equal(login.status, 401);
      const identities = await api.call('/api/v1/account/identities', { token: accessToken });
      const { items } = (await identities.json()) as { items: { provider: string }[] };
      assert.deepEqual(
        items.map((item) => item.provider),
        ['test'],
      );
    });

    test('a browser session: the session cookie is set and the state cookie cleared', async () => {
      const b = browser();
      const callback = await b.signInAtProvider(start('test', 'session'), {
        sub: 'ben-1',
        email: 'ben.oidc@example.com',
        verified: true,
      });
      assert.ok(b.cookie(PUBLIC_URL, '__Host-session-oidc'));
      const res = await b.get(callback.href);
      assert.equal(res.status, 201, await res.clone().text());
      const body = (await res.json()) as { csrfToken: string };
      assert.ok(body.csrfToken.length > 20);
      assert.ok(b.cookie(PUBLIC_URL, '__Host-session'));
      assert.equal(b.cookie(PUBLIC_URL, '__Host-session-oidc'), undefined);
    });

    test('a wrong state, or the right one from another browser, is refused', async () => {
      const b = browser();
      const callback = await b.signInAtProvider(start(), { sub: 'cid-1', email: 'c@example.com' });
      const forged = new URL(callback);
      forged.searchParams.set('state', 'forged-state-value');
      const wrong = await b.get(forged.href);
      assert.equal(wrong.status, 401);
      assert.equal(await problemCode(wrong), 'AUTH_OIDC_STATE_INVALID');

      // The victim's browser holds no (or another) state cookie: login CSRF fails.
      const victim = browser();
      const foreign = await victim.get(callback.href);
      assert.equal(foreign.status, 401);
      assert.equal(await problemCode(foreign), 'AUTH_OIDC_STATE_INVALID');
      assert.ok((await auditReasons('auth.oidc')).includes('state_mismatch'));
    });

    test('a callback works once; its code in a fresh attempt is refused by the provider', async () => {
      const b = browser();
      const user = { sub: 'dee-1', email: 'dee.oidc@example.com', verified: true };
      const callback = await b.signInAtProvider(start(), user);
      const stateCookie = b.cookie(PUBLIC_URL, '__Host-session-oidc')!;
      assert.equal((await b.get(callback.href)).status, 200);

      b.setCookie(PUBLIC_URL, '__Host-session-oidc', stateCookie);
      const replayed = await b.get(callback.href);
      assert.equal(replayed.status, 401);
      assert.equal(await problemCode(replayed), 'AUTH_OIDC_STATE_INVALID');
      assert.ok((await auditReasons('auth.oidc')).includes('state_unknown_or_used'));

      // An attacker starting their own attempt and pasting the used code in.
      const attacker = browser();
      const fresh = await attacker.signInAtProvider(start(), { sub: 'mallory-1' });
      fresh.searchParams.set('code', callback.searchParams.get('code')!);
      const reused = await attacker.get(fresh.href);
      assert.equal(reused.status, 401);
      assert.equal(await problemCode(reused), 'AUTH_OIDC_REJECTED');
      assert.ok((await auditReasons('auth.oidc')).some((r) => r.startsWith('exchange:')));
    });

    test('an id_token with another nonce is refused', async () => {
      const b = browser();
      const callback = await b.signInAtProvider(start(), { sub: 'eve-1' }, (url) => {
        url.searchParams.set('nonce', 'nonce-injected-by-an-attacker');
      });
      const res = await b.get(callback.href);
      assert.equal(res.status, 401);
      assert.equal(await problemCode(res), 'AUTH_OIDC_REJECTED');
      assert.ok((await auditReasons('auth.oidc')).some((r) => r.endsWith(':nonce')));
    });

    test('an expired id_token is refused', async () => {
      const b = browser();
      const callback = await b.signInAtProvider(start('late'), {
        sub: 'fay-1',
        email: 'fay.oidc@example.com',
        verified: true,
      });
      const res = await b.get(callback.href);
      assert.equal(res.status, 401, await res.clone().text());
      assert.equal(await problemCode(res), 'AUTH_OIDC_REJECTED');
      assert.ok(
        (await auditReasons('auth.oidc')).some(
          (r) => r.includes('TIMESTAMP') && r.endsWith(':exp'),
        ),
        String(await auditReasons('auth.oidc')),
      );
    });

    test('a rotated provider key is picked up on the next sign-in', async () => {
      const user = { sub: 'gus-1', email: 'gus.oidc@example.com', verified: true };
      const before = browser();
      assert.equal(
        (await before.get((await before.signInAtProvider(start(), user)).href)).status,
        200,
      );
      const kid = await provider.rotateKeys();
      const jwks = await eventually('the provider publishes the new key', async () => {
        const res = await fetch(`${provider.issuer}/jwks`);
        const body = (await res.json()) as { keys: { kid: string }[] };
        return body.keys.some((key) => key.kid === kid) ? body : undefined;
      });
      assert.equal(jwks.keys.length, 1);
      const afterRotation = browser();
      const res = await afterRotation.get(
        (await afterRotation.signInAtProvider(start(), user)).href,
      );
      assert.equal(res.status, 200, await res.clone().text());
    });

    test('a verified address of an existing account is linked only when its owner confirms', async () => {
      const email = 'hal.oidc@example.com';
      const owner = await api.register(email, PASSWORD);
      const user = { sub: 'hal-at-provider', email, verified: true };
      const attempt = async () => {
        const b = browser();
        return b.get((await b.signInAtProvider(start(), user)).href);
      };
      const pending = await attempt();
      assert.equal(pending.status, 409);
      const problem = (await pending.json()) as { code: string; linkToken: string };
      assert.equal(problem.code, 'AUTH_OIDC_LINK_REQUIRED');
      assert.match(problem.linkToken, /^oln_/);
      // Nothing is linked yet: the provider still cannot sign in to the account.
      assert.equal(await problemCode(await attempt()), 'AUTH_OIDC_LINK_REQUIRED');

      // Someone else, signed in, cannot confirm it.
      await api.register('ivy.oidc@example.com', PASSWORD);
      const other = await api.login('ivy.oidc@example.com', PASSWORD);
      const stolen = await api.call('/api/v1/account/identities', {
        method: 'POST',
        token: other.accessToken,
        json: { linkToken: problem.linkToken },
      });
      assert.equal(stolen.status, 404);
      assert.equal(await problemCode(stolen), 'AUTH_OIDC_LINK_INVALID');

      const signedIn = await api.login(email, PASSWORD);
      const confirmed = await api.call('/api/v1/account/identities', {
        method: 'POST',
        token: signedIn.accessToken,
        json: { linkToken: problem.linkToken },
      });
      assert.equal(confirmed.status, 200, await confirmed.clone().text());
      const linked = await attempt();
      assert.equal(linked.status, 200);
      const { accessToken } = (await linked.json()) as { accessToken: string };
      assert.equal((await me(accessToken)).id, owner.id);

      const reused = await api.call('/api/v1/account/identities', {
        method: 'POST',
        token: signedIn.accessToken,
        json: { linkToken: problem.linkToken },
      });
      assert.equal(await problemCode(reused), 'AUTH_OIDC_LINK_INVALID');
      const actions = await service.sql.db
        .selectFrom('audit_log')
        .select('action')
        .where('actor_id', '=', owner.id)
        .execute();
      const names = actions.map((row) => row.action);
      assert.ok(names.includes('auth.oidc_link_requested'));
      assert.ok(names.includes('auth.oidc_link'));
    });

    test('an unverified address of an existing account is refused, not linked', async () => {
      await api.register('jo.oidc@example.com', PASSWORD);
      const b = browser();
      const res = await b.get(
        (await b.signInAtProvider(start(), { sub: 'jo-x', email: 'jo.oidc@example.com' })).href,
      );
      assert.equal(res.status, 409);
      assert.equal(await problemCode(res), 'AUTH_OIDC_EMAIL_CONFLICT');
    });

    test('an unverified address no account has does not make an account', async () => {
      const b = browser();
      const res = await b.get(
        (await b.signInAtProvider(start(), { sub: 'kit-x', email: 'kit.oidc@example.com' })).href,
      );
      assert.equal(res.status, 422);
      assert.equal(await problemCode(res), 'AUTH_OIDC_EMAIL_UNVERIFIED');
    });

    test('an account with a second factor gets the second step, as after a password', async () => {
      const user = { sub: 'lou-1', email: 'lou.oidc@example.com', verified: true };
      const signIn = async () => {
        const b = browser();
        return b.get((await b.signInAtProvider(start(), user)).href);
      };
      const { accessToken } = (await (await signIn()).json()) as { accessToken: string };
      const enrol = await api.call('/api/v1/me/mfa/totp', { method: 'POST', token: accessToken });
      const { secret } = (await enrol.json()) as { secret: string };
      const confirmed = await api.call('/api/v1/me/mfa/totp/confirm', {
        method: 'POST',
        token: accessToken,
        json: { code: totpCode(secret, totpStep(Date.now())) },
      });
      assert.equal(confirmed.status, 200);

      const challenged = await signIn();
      assert.equal(challenged.status, 401);
      const problem = (await challenged.json()) as { code: string; mfaToken: string };
      assert.equal(problem.code, 'AUTH_MFA_REQUIRED');
      // The next step's code: the one just used for the confirmation cannot be replayed.
      const finished = await api.call('/api/v1/auth/login/mfa', {
        method: 'POST',
        json: { mfaToken: problem.mfaToken, code: totpCode(secret, totpStep(Date.now()) + 1) },
      });
      assert.equal(finished.status, 200, await finished.clone().text());
    });

    test('an unknown provider is a problem, not a redirect', async () => {
      const res = await api.call('/api/v1/auth/oidc/nope/start', { redirect: 'manual' });
      assert.equal(res.status, 404);
      assert.equal(await problemCode(res), 'AUTH_OIDC_PROVIDER_UNKNOWN');
    });
  });
}
