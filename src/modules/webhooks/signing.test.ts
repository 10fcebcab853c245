import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import {
  DEFAULT_TOLERANCE_SECONDS,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookSecretKey,
  WebhookSecretError,
  type WebhookHeaders,
} from './signing.ts';

// Fixed inputs; the expected values are computed here with node:crypto, not by the code under test.
const KEY_A = Buffer.from('a'.repeat(32), 'utf8');
const KEY_B = Buffer.alloc(32, 0x5b);
const SECRET_A = `whsec_${KEY_A.toString('base64')}`;
const SECRET_B = `whsec_${KEY_B.toString('base64')}`;
const ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const AT = new Date('2025-01-19T00:13:51.789Z');
const SECONDS = '1737245631';
const BODY = '{"type":"order.paid","data":{"id":"42","total":{"amount":1999,"currency":"EUR"}}}';

function expectedV1(key: Buffer, id: string, timestamp: string, body: string | Buffer): string {
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), Buffer.from(body)]);
  return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
}

function signed(overrides: Partial<WebhookHeaders> = {}): WebhookHeaders {
  return { ...signWebhook({ id: ID, at: AT, body: BODY, secrets: [SECRET_A] }), ...overrides };
}

test('signing produces the three Standard Webhooks headers with an independently computed MAC', () => {
  assert.equal(String(Math.floor(AT.getTime() / 1000)), SECONDS);
  assert.deepEqual(signWebhook({ id: ID, at: AT, body: BODY, secrets: [SECRET_A] }), {
    'webhook-id': ID,
    'webhook-timestamp': SECONDS,
    'webhook-signature': expectedV1(KEY_A, ID, SECONDS, BODY),
  });
});

test('the spec example vector verifies (secret, id, timestamp and body published with the spec)', () => {
  const result = verifyWebhook({
    headers: {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    },
    body: '{"test": 2432232314}',
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    now: new Date(1614265330_000),
  });
  assert.deepEqual(result, {
    ok: true,
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: new Date(1614265330_000),
  });
});

test('binary bodies are signed byte for byte', () => {
  const body = Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x80]);
  const headers = signWebhook({ id: ID, at: AT, body, secrets: [SECRET_A] });
  assert.equal(headers['webhook-signature'], expectedV1(KEY_A, ID, SECONDS, body));
  assert.equal(verifyWebhook({ headers, body, secrets: [SECRET_A], now: AT }).ok, true);
  const other = Buffer.from(body);
  other[1] = 0xfd;
  assert.deepEqual(verifyWebhook({ headers, body: other, secrets: [SECRET_A], now: AT }), {
    ok: false,
    reason: 'no_matching_signature',
  });
});

test('a round trip verifies, and the result carries the id and the signed second', () => {
  assert.deepEqual(verifyWebhook({ headers: signed(), body: BODY, secrets: [SECRET_A], now: AT }), {
    ok: true,
    id: ID,
    timestamp: new Date(Number(SECONDS) * 1000),
  });
});

test('rotation: both valid secrets sign, current first, and a receiver holding either verifies', () => {
  const headers = signWebhook({
    id: ID,
    at: AT,
    body: BODY,
    secrets: [SECRET_B, { secret: SECRET_A, expiresAt: new Date(AT.getTime() + 60_000) }],
  });
  assert.equal(
    headers['webhook-signature'],
    `${expectedV1(KEY_B, ID, SECONDS, BODY)} ${expectedV1(KEY_A, ID, SECONDS, BODY)}`,
  );
  for (const secrets of [[SECRET_A], [SECRET_B], [SECRET_A, SECRET_B]]) {
    assert.equal(verifyWebhook({ headers, body: BODY, secrets, now: AT }).ok, true);
  }
  const stranger = generateWebhookSecret();
  assert.deepEqual(verifyWebhook({ headers, body: BODY, secrets: [stranger], now: AT }), {
    ok: false,
    reason: 'no_matching_signature',
  });
});

test('rotation: a secret past its end no longer signs; with none left signing refuses', () => {
  const retiring = { secret: SECRET_A, expiresAt: AT };
  const headers = signWebhook({ id: ID, at: AT, body: BODY, secrets: [SECRET_B, retiring] });
  assert.equal(headers['webhook-signature'], expectedV1(KEY_B, ID, SECONDS, BODY));
  assert.equal(verifyWebhook({ headers, body: BODY, secrets: [SECRET_A], now: AT }).ok, false);
  assert.throws(
    () => signWebhook({ id: ID, at: AT, body: BODY, secrets: [retiring] }),
    WebhookSecretError,
  );
  assert.throws(() => signWebhook({ id: ID, at: AT, body: BODY, secrets: [] }), WebhookSecretError);
});

test('tampering with the body, the id or the timestamp breaks the signature', () => {
  const headers = signed();
  const cases: [string, WebhookHeaders, string][] = [
    ['body', headers, BODY.replace('1999', '1')],
    ['body, trailing newline', headers, `${BODY}\n`],
    ['id', { ...headers, 'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4X' }, BODY],
    ['timestamp, one second later', { ...headers, 'webhook-timestamp': '1737245632' }, BODY],
    ['timestamp, leading zero', { ...headers, 'webhook-timestamp': `0${SECONDS}` }, BODY],
    // The boundary moves but the signed bytes stay "<id>.<ts>.<body>": still refused.
    ['id and body shifted', { ...headers, 'webhook-id': `${ID}.${SECONDS}` }, BODY],
  ];
  for (const [name, tampered, body] of cases) {
    assert.deepEqual(
      verifyWebhook({ headers: tampered, body, secrets: [SECRET_A], now: AT }),
      { ok: false, reason: 'no_matching_signature' },
      name,
    );
  }
});

test('the timestamp must be within the tolerance, in the past and in the future', () => {
  const headers = signed();
  const at = (offsetSeconds: number) => new Date(AT.getTime() + offsetSeconds * 1000);
  const check = (now: Date, toleranceSeconds?: number) =>
    verifyWebhook({ headers, body: BODY, secrets: [SECRET_A], now, toleranceSeconds });

  assert.equal(DEFAULT_TOLERANCE_SECONDS, 300);
  assert.equal(check(at(300)).ok, true, 'five minutes late is still fine');
  assert.equal(check(at(-299)).ok, true, 'a sender clock slightly ahead is fine');
  assert.deepEqual(check(at(301)), { ok: false, reason: 'timestamp_too_old' });
  assert.deepEqual(check(at(-301)), { ok: false, reason: 'timestamp_too_new' });
  assert.deepEqual(check(at(31), 30), { ok: false, reason: 'timestamp_too_old' });
  assert.equal(check(at(30), 30).ok, true);
});

test('a stale delivery is refused even when its signature is valid', () => {
  const old = signWebhook({
    id: ID,
    at: new Date('2020-01-01T00:00:00Z'),
    body: BODY,
    secrets: [SECRET_A],
  });
  assert.equal(old['webhook-signature'], expectedV1(KEY_A, ID, '1577836800', BODY));
  assert.deepEqual(verifyWebhook({ headers: old, body: BODY, secrets: [SECRET_A], now: AT }), {
    ok: false,
    reason: 'timestamp_too_old',
  });
});

test('missing and malformed headers are refused with a reason, never thrown', () => {
  const good = signed();
  const sig = good['webhook-signature'];
  const value = sig.slice(3);
  const cases: [string, Record<string, string | string[] | undefined>, string][] = [
    ['no headers', {}, 'missing_header'],
    ['no id', { ...good, 'webhook-id': undefined }, 'missing_header'],
    ['no timestamp', { ...good, 'webhook-timestamp': undefined }, 'missing_header'],
    ['no signature', { ...good, 'webhook-signature': undefined }, 'missing_header'],
    ['empty id', { ...good, 'webhook-id': '' }, 'malformed_id'],
    ['id with a space', { ...good, 'webhook-id': 'msg 1' }, 'malformed_id'],
    ['id repeated', { ...good, 'webhook-id': [ID, ID] }, 'malformed_id'],
    [
      'timestamp in milliseconds',
      { ...good, 'webhook-timestamp': `${SECONDS}000` },
      'malformed_timestamp',
    ],
    ['negative timestamp', { ...good, 'webhook-timestamp': `-${SECONDS}` }, 'malformed_timestamp'],
    [
      'fractional timestamp',
      { ...good, 'webhook-timestamp': `${SECONDS}.5` },
      'malformed_timestamp',
    ],
    ['ISO timestamp', { ...good, 'webhook-timestamp': AT.toISOString() }, 'malformed_timestamp'],
    ['empty timestamp', { ...good, 'webhook-timestamp': '' }, 'malformed_timestamp'],
    ['empty signature', { ...good, 'webhook-signature': '' }, 'malformed_signature'],
    ['only spaces', { ...good, 'webhook-signature': '   ' }, 'malformed_signature'],
    ['no version', { ...good, 'webhook-signature': value }, 'malformed_signature'],
    ['empty value', { ...good, 'webhook-signature': 'v1,' }, 'malformed_signature'],
    ['hex value', { ...good, 'webhook-signature': `v1,${'ab'.repeat(32)}` }, 'malformed_signature'],
    ['unpadded', { ...good, 'webhook-signature': sig.slice(0, -1) }, 'malformed_signature'],
    ['base64url', { ...good, 'webhook-signature': `v1,${'_'.repeat(43)}=` }, 'malformed_signature'],
    [
      'comma-joined duplicate',
      { ...good, 'webhook-signature': `${sig}, ${sig}` },
      'malformed_signature',
    ],
    ['huge', { ...good, 'webhook-signature': `${sig} `.repeat(200) }, 'malformed_signature'],
    [
      'only unknown versions',
      { ...good, 'webhook-signature': `v1a,${value} v2,x` },
      'no_matching_signature',
    ],
  ];
  for (const [name, headers, reason] of cases) {
    assert.deepEqual(
      verifyWebhook({ headers, body: BODY, secrets: [SECRET_A], now: AT }),
      { ok: false, reason },
      name,
    );
  }
});

test('header names are case-insensitive; unknown versions and extra spaces are tolerated', () => {
  const good = signed();
  const value = good['webhook-signature'];
  const mixedCase = {
    'Webhook-Id': good['webhook-id'],
    'WEBHOOK-TIMESTAMP': good['webhook-timestamp'],
    'Webhook-Signature': `v1a,c29tZXRoaW5nIGVsc2U=  v2,future ${value}`,
  };
  assert.equal(
    verifyWebhook({ headers: mixedCase, body: BODY, secrets: [SECRET_A], now: AT }).ok,
    true,
  );
  const fetchHeaders = new Headers(good);
  assert.equal(
    verifyWebhook({ headers: fetchHeaders, body: BODY, secrets: [SECRET_A], now: AT }).ok,
    true,
  );
  assert.deepEqual(
    verifyWebhook({
      headers: { ...good, 'Webhook-Id': 'other' },
      body: BODY,
      secrets: [SECRET_A],
      now: AT,
    }),
    { ok: false, reason: 'malformed_id' },
    'the same header twice under two spellings is ambiguous',
  );
});

test('secrets: generated ones have the whsec_ shape and decode to 32 random bytes', () => {
  const seen = new Set<string>();
  for (let index = 0; index < 100; index += 1) {
    const secret = generateWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(webhookSecretKey(secret).length, 32);
    seen.add(secret);
  }
  assert.equal(seen.size, 100);
  assert.equal(webhookSecretKey(generateWebhookSecret(24)).length, 24);
  assert.equal(webhookSecretKey(generateWebhookSecret(64)).length, 64);
  assert.throws(() => generateWebhookSecret(16), WebhookSecretError);
});

test('malformed secrets are configuration errors and throw', () => {
  const bad = [
    '',
    KEY_A.toString('base64'),
    'whsk_' + KEY_A.toString('base64'),
    'whsec_',
    'whsec_' + Buffer.alloc(16).toString('base64'),
    'whsec_' + Buffer.alloc(65).toString('base64'),
    'whsec_' + KEY_A.toString('base64url').replace(/=+$/, '') + '-',
    'whsec_' + KEY_A.toString('base64') + '\n',
    'whsec_' + KEY_A.toString('base64').replace(/=+$/, ''),
  ];
  for (const secret of bad) {
    assert.throws(() => webhookSecretKey(secret), WebhookSecretError, JSON.stringify(secret));
    assert.throws(
      () => verifyWebhook({ headers: signed(), body: BODY, secrets: [secret], now: AT }),
      WebhookSecretError,
    );
  }
  assert.throws(
    () => verifyWebhook({ headers: signed(), body: BODY, secrets: [], now: AT }),
    WebhookSecretError,
  );
});

test('signing refuses ids that would make the signed content ambiguous or break the header', () => {
  for (const id of ['', 'msg.1', 'msg 1', 'msg\r\nx: y', 'é', 'x'.repeat(129)]) {
    assert.throws(
      () => signWebhook({ id, at: AT, body: BODY, secrets: [SECRET_A] }),
      TypeError,
      id,
    );
  }
  assert.throws(
    () => signWebhook({ id: ID, at: new Date(Number.NaN), body: BODY, secrets: [SECRET_A] }),
    TypeError,
  );
});
