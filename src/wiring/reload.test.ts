// The reloader on its own, with a real key ring: a new JWT_SIGNING_KEYS
// secret signs from the reload on and the old key keeps verifying while the
// secret lists it; a secret that builds no key ring changes nothing (the
// rate limit changed beside it included); the flags' period follows;
// static changes are refused by name. Built as the worker builds it (no
// limits, flags or keys), it applies the level and refuses the same broken
// secret. The real processes are in test/e2e/reload.test.ts and
// test/e2e/worker-reload.test.ts.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { rateLimit } from '../http/middleware/rate-limit/rate-limit.ts';
import { keyRingFromSecret } from '../modules/auth/tokens/key-secret.ts';
import type { FeatureFlags } from '../modules/flags/feature-flags.ts';
import { loadConfig } from '../platform/config.ts';
import { createLiveConfig } from '../platform/live-config.ts';
import type { AuditEntry } from '../ports/audit.ts';
import { captureLogger } from '../../test/support/start.ts';
import { createConfigReloader } from './reload.ts';

async function privateJwk(kid: string) {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' };
}

describe('configuration reload', () => {
  test('applies keys, limits and the flag period; refuses static changes; all or nothing', async () => {
    const [a, b] = [await privateJwk('key-a'), await privateJwk('key-b')];
    const base = { NODE_ENV: 'test', JWT_SIGNING_KEYS: JSON.stringify([a]) };
    const load = (env: Record<string, string>) => () =>
      loadConfig({ argv: [], env: { ...base, ...env } });
    const initial = load({})();
    const { logger, records } = captureLogger('info');
    const keys = await keyRingFromSecret(initial.auth.signingKeys!, { now: new Date() });
    const limit = rateLimit({
      limiter: { consume: () => Promise.reject(new Error('not asked here')) },
      policy: {
        name: 'ip',
        limit: initial.rateLimit.ipLimit,
        windowMs: initial.rateLimit.ipWindowMs,
      },
      key: () => undefined,
      onLimiterError: 'open',
    });
    const periods: number[] = [];
    // A stand-in for the flags: only the store's period is reloaded.
    const flags = { store: { setRefreshInterval: (ms: number) => periods.push(ms) } };
    const audited: AuditEntry[] = [];
    const reloader = createConfigReloader({
      logger,
      live: createLiveConfig(initial),
      rateLimits: [limit],
      flags: flags as unknown as FeatureFlags,
      keys,
      audit: { record: (entry) => Promise.resolve(void audited.push(entry)) },
    });

    const rotated = await reloader.reload(
      load({
        JWT_SIGNING_KEYS: JSON.stringify([b, a]),
        RATE_LIMIT_IP_LIMIT: '42',
        FLAGS_REFRESH_MS: '5000',
        PORT: '4444',
      }),
    );
    assert.equal(rotated.outcome, 'applied');
    assert.deepEqual([...rotated.applied].sort(), [
      'auth.signingKeys',
      'flags.refreshMs',
      'rateLimit.ipLimit',
    ]);
    assert.deepEqual(rotated.refused, ['http.port']);
    assert.equal(keys.currentKid, 'key-b');
    assert.ok(
      keys.verificationKey('key-a', new Date()) !== undefined,
      'the old key still verifies',
    );
    assert.equal(limit.policy.limit, 42);
    assert.deepEqual(periods, [5000]);
    assert.ok(
      records.some((r) => r.level === 'warn' && /PORT changed but needs a restart/.test(r.msg)),
    );

    // A broken key beside another limit change: neither applies.
    const broken = await reloader.reload(
      load({
        JWT_SIGNING_KEYS: JSON.stringify([{ kty: 'OKP', kid: 'bad' }]),
        RATE_LIMIT_IP_LIMIT: '7',
      }),
    );
    assert.equal(broken.outcome, 'invalid');
    assert.equal(broken.problems.length, 1);
    assert.match(broken.problems[0]!, /^auth\.signingKeys: /);
    assert.equal(keys.currentKid, 'key-b');
    assert.equal(limit.policy.limit, 42);
    assert.ok(!JSON.stringify(records).includes(String(b.d)), 'no private key in the log');
    assert.deepEqual(audited, [], 'no setting came from a file');
  });

  test('without limits, flags or keys (the worker): the level applies, a broken key secret is refused alike', async () => {
    const load = (env: Record<string, string>) => () =>
      loadConfig({ argv: [], env: { NODE_ENV: 'test', ...env } });
    const { logger, records } = captureLogger('info');
    const reloader = createConfigReloader({
      logger,
      live: createLiveConfig(load({})()),
      audit: { record: () => Promise.resolve() },
    });
    const summaries = () => records.filter((r) => r.msg === 'configuration reloaded');

    // To a quieter level: the line reporting it still goes out.
    const quieter = await reloader.reload(load({ LOG_LEVEL: 'warn' }));
    assert.deepEqual(quieter.applied, ['log.level']);
    assert.equal(logger.level, 'warn');
    assert.equal(summaries().length, 1);

    const broken = await reloader.reload(
      load({ LOG_LEVEL: 'debug', JWT_SIGNING_KEYS: JSON.stringify([{ kty: 'OKP', kid: 'bad' }]) }),
    );
    assert.equal(broken.outcome, 'invalid');
    assert.match(broken.problems[0]!, /^auth\.signingKeys: /);
    assert.equal(logger.level, 'warn', 'nothing applied');

    // From a quiet level to a louder one: the line shows, at the new level.
    const louder = await reloader.reload(load({ LOG_LEVEL: 'debug', FLAGS_REFRESH_MS: '5000' }));
    assert.deepEqual([...louder.applied].sort(), ['flags.refreshMs', 'log.level']);
    assert.equal(logger.level, 'debug');
    assert.equal(summaries().length, 2);
  });
});
