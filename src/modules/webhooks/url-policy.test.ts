import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '../../errors/index.ts';
import type { Resolver } from './ssrf-guard.ts';
import { checkEndpointUrl, type UrlPolicy } from './url-policy.ts';

const answers: Readonly<Record<string, readonly string[]>> = {
  'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  // One public, one internal address: refused, the internal one must not get a chance.
  'split.example.com': ['93.184.215.14', '10.1.2.3'],
  'internal.example.com': ['172.16.5.5'],
};

const resolve: Resolver = (host) => {
  const addresses = answers[host];
  if (addresses === undefined) return Promise.reject(new Error(`ENOTFOUND ${host}`));
  return Promise.resolve(
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );
};

const strict: UrlPolicy = { allowHttp: false, allowHosts: [], resolve };

async function refusal(url: string, policy = strict): Promise<string> {
  try {
    await checkEndpointUrl(url, policy);
  } catch (error) {
    assert.ok(isAppError(error));
    assert.equal(error.code, 'WEBHOOKS_URL_FORBIDDEN');
    return error.errors![0]!.code;
  }
  assert.fail(`${url} was accepted`);
}

test('public https URLs pass, normalised', async () => {
  assert.equal(
    await checkEndpointUrl('https://HOOKS.example.com:8443/in?x=1', strict),
    'https://hooks.example.com:8443/in?x=1',
  );
});

test('refusals name their reason', async () => {
  assert.equal(await refusal('http://hooks.example.com/in'), 'scheme_not_allowed');
  assert.equal(await refusal('https://a:b@hooks.example.com/in'), 'credentials_in_url');
  assert.equal(await refusal('https://split.example.com/in'), 'forbidden_address');
  assert.equal(await refusal('https://internal.example.com/in'), 'forbidden_address');
  assert.equal(await refusal('https://nowhere.example.com/in'), 'unresolvable_host');
  assert.equal(await refusal('https://169.254.169.254/latest'), 'forbidden_address');
  // The URL parser reads 2130706433 as 127.0.0.1.
  assert.equal(await refusal('https://2130706433/in'), 'forbidden_address');
  assert.equal(await refusal('https://[fd00::1]/in'), 'forbidden_address');
});

test('allowHttp admits http; allowHosts skips the address check for exact hosts only', async () => {
  const relaxed: UrlPolicy = { allowHttp: true, allowHosts: ['internal.example.com'], resolve };
  assert.equal(
    await checkEndpointUrl('http://internal.example.com/in', relaxed),
    'http://internal.example.com/in',
  );
  assert.equal(await refusal('http://split.example.com/in', relaxed), 'forbidden_address');
  assert.equal(await refusal('http://sub.internal.example.com/in', relaxed), 'unresolvable_host');
});
