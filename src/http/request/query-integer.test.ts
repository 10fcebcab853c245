import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { queryInteger } from './query-integer.ts';

const limit = queryInteger(0, 100);

test('takes decimal digits only, then checks the bounds', () => {
  assert.equal(limit.parse('0'), 0);
  assert.equal(limit.parse('42'), 42);
  for (const text of ['1e3', '0x10', ' 7', '7 ', '+1', '1.5', 'abc', '', '01', '-0x1']) {
    const issue = limit.safeParse(text).error?.issues[0];
    assert.equal(issue?.code, 'custom', text);
    assert.deepEqual((issue as { params?: unknown } | undefined)?.params, { code: 'invalid_type' });
  }
  assert.equal(limit.safeParse('-1').error?.issues[0]?.code, 'too_small');
  assert.equal(limit.safeParse('101').error?.issues[0]?.code, 'too_big');
  assert.equal(limit.safeParse('99999999999999999').success, false);
});

test('is documented as an integer with its bounds', () => {
  const schema = z.toJSONSchema(z.object({ limit }), { io: 'input' }) as unknown as {
    properties: { limit: Record<string, unknown> };
  };
  assert.deepEqual(schema.properties.limit, { type: 'integer', minimum: 0, maximum: 100 });
});
