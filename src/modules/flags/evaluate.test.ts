import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenFeature } from '@openfeature/server-sdk';
import { bucketOf, BUCKETS } from './bucket.ts';
import { definitionProblems } from './consistency.ts';
import { evaluateFlag, type FlagDefinition } from './evaluate.ts';
import { FlagsProvider } from './provider.ts';

function definition(overrides: Partial<FlagDefinition> = {}): FlagDefinition {
  return {
    key: 'checkout.new-flow',
    description: '',
    kind: 'boolean',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    offVariant: 'off',
    rules: [],
    rollout: [],
    killed: false,
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An OpenFeature client over its own provider: what one service instance holds. */
function instance(flags: FlagDefinition[]) {
  const byKey = new Map(flags.map((flag) => [flag.key, flag]));
  const domain = `test-${Math.random()}`;
  OpenFeature.setProvider(domain, new FlagsProvider({ get: (key) => byKey.get(key) }));
  return OpenFeature.getClient(domain);
}

const userIds = Array.from({ length: 10_000 }, (_, index) => String(100_000 + index * 7));

describe('bucketing', () => {
  test('is within 0..9999 and the same for a user on every call', () => {
    for (const id of userIds.slice(0, 500)) {
      const bucket = bucketOf('a-flag', id);
      assert.ok(bucket >= 0 && bucket < BUCKETS);
      assert.equal(bucketOf('a-flag', id), bucket);
    }
  });

  test('two instances give every user the same variant', async () => {
    const flag = definition({
      kind: 'multivariate',
      variants: { a: 'a', b: 'b', c: 'c' },
      defaultVariant: 'a',
      rollout: [
        { variant: 'b', percent: 33.33 },
        { variant: 'c', percent: 33.33 },
      ],
    });
    const first = instance([flag]);
    const second = instance([structuredClone(flag)]);
    const seen = new Set<string>();
    for (const id of userIds.slice(0, 2_000)) {
      const context = { targetingKey: id };
      const one = await first.getStringValue(flag.key, 'none', context);
      assert.equal(await second.getStringValue(flag.key, 'none', context), one);
      seen.add(one);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });

  test('buckets of one user are independent across flags', () => {
    const same = userIds.filter((id) => bucketOf('one', id) < 1000 && bucketOf('two', id) < 1000);
    // Independent: about 1 % of users are in the first 10 % of both (100 of 10,000).
    assert.ok(same.length > 50 && same.length < 160, `${same.length} in both`);
  });
});

describe('percentage rollout', () => {
  for (const percent of [1, 30, 50, 95]) {
    test(`${percent} % of 10,000 users get the variant, within 2 points`, () => {
      const flag = definition({ rollout: [{ variant: 'on', percent }] });
      const on = userIds.filter((id) => evaluateFlag(flag, { targetingKey: id }).value === true);
      const share = (on.length / userIds.length) * 100;
      assert.ok(Math.abs(share - percent) <= 2, `${share.toFixed(2)} % for ${percent} %`);
    });
  }

  test('growing a rollout only adds users: nobody who had it loses it', () => {
    const at = (percent: number) =>
      new Set(
        userIds.filter(
          (id) =>
            evaluateFlag(definition({ rollout: [{ variant: 'on', percent }] }), {
              targetingKey: id,
            }).value === true,
        ),
      );
    const ten = at(10);
    const twenty = at(20);
    for (const id of ten) assert.ok(twenty.has(id));
  });

  test('a caller without a user id gets the default', () => {
    const flag = definition({ rollout: [{ variant: 'on', percent: 100 }] });
    assert.deepEqual(evaluateFlag(flag, {}), { variant: 'off', value: false, reason: 'DEFAULT' });
  });
});

describe('targeting and the kill switch', () => {
  const flag = definition({
    rules: [
      { variant: 'on', roles: ['admin'] },
      { variant: 'off', cohort: ['42'] },
    ],
    rollout: [{ variant: 'on', percent: 100 }],
  });

  test('rules match by role or cohort, first match first, before the rollout', () => {
    assert.equal(
      evaluateFlag(flag, { targetingKey: '1', role: 'admin' }).reason,
      'TARGETING_MATCH',
    );
    assert.equal(evaluateFlag(flag, { targetingKey: '42', role: 'customer' }).value, false);
    assert.equal(evaluateFlag(flag, { targetingKey: '42', role: 'admin' }).value, true);
    assert.deepEqual(evaluateFlag(flag, { targetingKey: '7', role: 'customer' }), {
      variant: 'on',
      value: true,
      reason: 'SPLIT',
    });
  });

  test('the kill switch serves the off variant whatever the rules and rollout say', () => {
    const killed = { ...flag, killed: true };
    for (const caller of [{ targetingKey: '1', role: 'admin' }, { targetingKey: '7' }, {}]) {
      assert.deepEqual(evaluateFlag(killed, caller), {
        variant: 'off',
        value: false,
        reason: 'DISABLED',
      });
    }
  });

  test('through OpenFeature: details, a missing flag and a type mismatch', async () => {
    const client = instance([flag]);
    const details = await client.getBooleanDetails(flag.key, false, {
      targetingKey: '1',
      role: 'admin',
    });
    assert.equal(details.value, true);
    assert.equal(details.variant, 'on');
    assert.equal(details.reason, 'TARGETING_MATCH');
    const missing = await client.getBooleanDetails('nope', true, {});
    assert.equal(missing.value, true);
    assert.equal(missing.errorCode, 'FLAG_NOT_FOUND');
    const wrongType = await client.getStringDetails(flag.key, 'x', { targetingKey: '1' });
    assert.equal(wrongType.value, 'x');
    assert.equal(wrongType.errorCode, 'TYPE_MISMATCH');
  });
});

describe('definition consistency', () => {
  test('lists every problem', () => {
    const problems = definitionProblems({
      ...definition(),
      variants: { on: true, off: 'no' },
      defaultVariant: 'maybe',
      rules: [{ variant: 'on' }],
      rollout: [
        { variant: 'on', percent: 60 },
        { variant: 'gone', percent: 50 },
      ],
    });
    assert.equal(problems.length, 5, problems.join('\n'));
  });

  test('a consistent definition has none', () => {
    assert.deepEqual(
      definitionProblems(definition({ rollout: [{ variant: 'on', percent: 100 }] })),
      [],
    );
  });
});
