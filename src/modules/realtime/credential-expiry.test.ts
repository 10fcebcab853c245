import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialExpiry } from './credential-expiry.ts';

const identity = (attributes?: Record<string, unknown>) => ({
  subject: '1',
  method: 'bearer',
  permissions: new Set<string>(),
  ...(attributes === undefined ? {} : { attributes }),
});

test("an access token's exp, in milliseconds", () => {
  assert.equal(credentialExpiry(identity({ expiresAt: 1_800_000_000 })), 1_800_000_000_000);
});

test("a browser session's expiry", () => {
  const at = '2026-12-07T05:00:00.000Z';
  assert.equal(credentialExpiry(identity({ cookieSessionExpiresAt: at })), Date.parse(at));
});

test('none for API keys and malformed values', () => {
  assert.equal(credentialExpiry(identity({ apiKeyId: '3' })), undefined);
  assert.equal(credentialExpiry(identity()), undefined);
  assert.equal(credentialExpiry(identity({ cookieSessionExpiresAt: 'soon' })), undefined);
  assert.equal(credentialExpiry(identity({ expiresAt: Number.NaN })), undefined);
});
