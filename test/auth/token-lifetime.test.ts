// A correctly signed access token is still refused when it claims to live
// longer than the service issues tokens for (ACCESS_TOKEN_TTL_S, plus 60 s of
// clock tolerance) or does not say when it was issued. The service signs
// with a key this test holds (JWT_SIGNING_KEYS), so the tokens below carry
// genuine signatures: only their lifetime is wrong.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, importJWK, SignJWT, type JWTPayload } from 'jose';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { PrivateEd25519Jwk } from '../../src/modules/auth/tokens/ed25519-jwk.ts';
import { generateSigningKey } from '../../src/modules/auth/tokens/signing-keys.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import { startService, type StartedService } from '../support/start.ts';

const TTL_SECONDS = 600;
const TEN_YEARS = 10 * 365 * 86_400;

describe('access-token lifetime', () => {
  let service: StartedService;
  let api: ApiClient;
  let jwk: PrivateEd25519Jwk;
  /** The claims of a token the service issued itself. */
  let genuine: JWTPayload;

  before(async () => {
    jwk = await generateSigningKey(new Date());
    service = await startService({
      env: { JWT_SIGNING_KEYS: JSON.stringify([jwk]), ACCESS_TOKEN_TTL_S: String(TTL_SECONDS) },
    });
    api = apiClient(service.url);
    const pair = await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password);
    genuine = decodeJwt(pair.accessToken);
    assert.equal((await api.call('/api/v1/me', { token: pair.accessToken })).status, 200);
  });

  after(() => service.close());

  /** The genuine token's claims with `changes`, signed with the service's own key. */
  async function sign(changes: JWTPayload): Promise<string> {
    // A member set to undefined is left out of the token altogether.
    const payload = Object.fromEntries(
      Object.entries({ ...genuine, ...changes }).filter(([, value]) => value !== undefined),
    ) as JWTPayload;
    const key = await importJWK(jwk, 'EdDSA');
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'at+jwt' })
      .sign(key);
  }

  const me = (token: string) => api.call('/api/v1/me', { token });

  test('a re-signed token within the lifetime and its tolerance is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const lifetime of [TTL_SECONDS, TTL_SECONDS + 50]) {
      const res = await me(await sign({ iat: now, nbf: now, exp: now + lifetime }));
      assert.equal(res.status, 200, `${lifetime}s: ${await res.clone().text()}`);
    }
  });

  test('a correctly signed token that claims ten years is a 401 AUTH_TOKEN_INVALID', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const lifetime of [TEN_YEARS, TTL_SECONDS + 120]) {
      const res = await me(await sign({ iat: now, nbf: now, exp: now + lifetime }));
      assert.equal(res.status, 401, `${lifetime}s`);
      assert.equal(((await res.json()) as { code: string }).code, 'AUTH_TOKEN_INVALID');
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  test('a correctly signed token without iat is a 401 AUTH_TOKEN_INVALID', async () => {
    const res = await me(await sign({ iat: undefined }));
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'AUTH_TOKEN_INVALID');
  });
});
