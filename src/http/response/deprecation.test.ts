import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deprecationHeaders } from './deprecation.ts';

const deprecatedAt = new Date('2024-07-01T00:00:00.900Z');
const sunset = new Date('2025-01-01T00:00:00Z');

test('Deprecation is an sf-date in whole seconds (RFC 9745)', () => {
  assert.deepEqual(deprecationHeaders({ deprecatedAt }), [['deprecation', '@1719792000']]);
});

test('true stamps the given build time', () => {
  const now = new Date('2024-01-02T03:04:05Z');
  assert.deepEqual(deprecationHeaders({ deprecatedAt: true }, now), [
    ['deprecation', '@1704164645'],
  ]);
});

test('Sunset is an IMF-fixdate (RFC 8594)', () => {
  assert.deepEqual(deprecationHeaders({ sunset }), [['sunset', 'Wed, 01 Jan 2025 00:00:00 GMT']]);
});

test('Link relations are combined into one value', () => {
  const headers = deprecationHeaders({
    deprecatedAt,
    sunset,
    successor: 'https://api.example.com/v2/orders',
    link: 'https://developer.example.com/deprecations/v1',
  });
  assert.deepEqual(headers, [
    ['deprecation', '@1719792000'],
    ['sunset', 'Wed, 01 Jan 2025 00:00:00 GMT'],
    [
      'link',
      '<https://api.example.com/v2/orders>; rel="successor-version", ' +
        '<https://developer.example.com/deprecations/v1>; rel="deprecation"; type="text/html"',
    ],
  ]);
});

test('nothing asked, nothing sent', () => {
  assert.deepEqual(deprecationHeaders({}), []);
});

test('programming errors throw', () => {
  assert.throws(
    () => deprecationHeaders({ deprecatedAt: sunset, sunset: deprecatedAt }),
    RangeError,
  );
  assert.throws(() => deprecationHeaders({ deprecatedAt: new Date('nope') }), RangeError);
  assert.throws(
    () => deprecationHeaders({ successor: 'https://x.example/>; rel="evil"' }),
    TypeError,
  );
  assert.throws(() => deprecationHeaders({ link: 'https://x.example/a b' }), TypeError);
  assert.throws(() => deprecationHeaders({ link: 'https://x.example/\r\nX: 1' }), TypeError);
});
