import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base32Decode } from './base32.ts';
import {
  generateTotpSecret,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
  TOTP_PERIOD_SECONDS,
} from './totp.ts';

// The ASCII seed both RFCs use for their SHA-1 vectors.
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

// RFC 4226 Appendix D: HOTP values for counters 0–9.
const HOTP_VECTORS = [
  '755224',
  '287082',
  '359152',
  '969429',
  '338314',
  '254676',
  '287922',
  '162583',
  '399871',
  '520489',
];

// RFC 6238 Appendix B, SHA-1 rows: Unix time in seconds and the 8-digit TOTP.
const TOTP_VECTORS: readonly [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const SECRET = 'JBSWY3DPEHPK3PXP';
const NOW = Date.UTC(2026, 0, 15, 12, 0, 10);
const STEP = totpStep(NOW);
const codeAt = (step: number) => totpCode(SECRET, step);

describe('HOTP and TOTP codes', () => {
  test('match the RFC 4226 Appendix D HOTP vectors', () => {
    HOTP_VECTORS.forEach((expected, counter) => {
      assert.equal(totpCode(RFC_SECRET, counter), expected, `counter ${counter}`);
      assert.equal(totpCode(RFC_SECRET_BASE32, BigInt(counter)), expected);
    });
  });

  test('match the RFC 6238 Appendix B SHA-1 vectors at 8 digits', () => {
    for (const [seconds, expected] of TOTP_VECTORS) {
      const step = totpStep(seconds * 1000);
      assert.equal(totpCode(RFC_SECRET, step, 8), expected, `T = ${seconds}`);
      const result = verifyTotp({
        secret: RFC_SECRET,
        code: expected,
        now: seconds * 1000,
        digits: 8,
      });
      assert.deepEqual(result, { ok: true, step });
    }
  });

  test('the 6-digit code is the low six digits of the 8-digit one', () => {
    for (const [seconds, expected] of TOTP_VECTORS) {
      const code = expected.slice(2);
      assert.equal(totpCode(RFC_SECRET, totpStep(seconds * 1000)), code);
      assert.equal(
        verifyTotp({ secret: RFC_SECRET, code, now: new Date(seconds * 1000) }).ok,
        true,
      );
    }
  });

  test('steps are 30 seconds from the Unix epoch', () => {
    assert.equal(TOTP_PERIOD_SECONDS, 30);
    assert.equal(totpStep(29_999), 0);
    assert.equal(totpStep(30_000), 1);
    assert.equal(totpStep(new Date(59_000)), 1);
  });
});

describe('generateTotpSecret', () => {
  test('is 20 random bytes in unpadded base32', () => {
    const secret = generateTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(generateTotpSecret(), secret);
  });
});

describe('totpUri', () => {
  test('builds the exact otpauth:// URI, percent-encoding label and issuer', () => {
    assert.equal(
      totpUri({
        secret: SECRET,
        account: 'alice+mfa@example.com',
        issuer: "Throughline (O'Neil & Co)",
      }),
      'otpauth://totp/Throughline%20%28O%27Neil%20%26%20Co%29:alice%2Bmfa%40example.com' +
        '?secret=JBSWY3DPEHPK3PXP&issuer=Throughline%20%28O%27Neil%20%26%20Co%29' +
        '&algorithm=SHA1&digits=6&period=30',
    );
  });

  test('encodes non-ASCII as UTF-8 bytes', () => {
    const uri = totpUri({ secret: SECRET, account: 'zoë', issuer: 'Ünï' });
    assert.ok(uri.startsWith('otpauth://totp/%C3%9Cn%C3%AF:zo%C3%AB?'), uri);
  });

  test('refuses a colon in the issuer or the account', () => {
    assert.throws(() => totpUri({ secret: SECRET, account: 'a:b', issuer: 'X' }), RangeError);
    assert.throws(() => totpUri({ secret: SECRET, account: 'a', issuer: 'X:Y' }), RangeError);
  });
});

describe('verifyTotp', () => {
  test('accepts the current code and returns its step', () => {
    assert.deepEqual(verifyTotp({ secret: SECRET, code: codeAt(STEP), now: NOW }), {
      ok: true,
      step: STEP,
    });
  });

  test('accepts the codes of the previous and next steps', () => {
    for (const step of [STEP - 1, STEP + 1]) {
      assert.deepEqual(verifyTotp({ secret: SECRET, code: codeAt(step), now: NOW }), {
        ok: true,
        step,
      });
    }
  });

  test('rejects codes two steps away', () => {
    for (const step of [STEP - 2, STEP + 2]) {
      const code = codeAt(step);
      // Guard against a coincidental collision making the test meaningless.
      assert.ok(![STEP - 1, STEP, STEP + 1].some((s) => codeAt(s) === code));
      assert.deepEqual(verifyTotp({ secret: SECRET, code, now: NOW }), {
        ok: false,
        reason: 'invalid',
      });
    }
  });

  test('rejects a wrong code and the right code for another secret', () => {
    const wrong = ((Number(codeAt(STEP)) + 1) % 1_000_000).toString().padStart(6, '0');
    assert.deepEqual(verifyTotp({ secret: SECRET, code: wrong, now: NOW }), {
      ok: false,
      reason: 'invalid',
    });
    const other = generateTotpSecret();
    assert.equal(verifyTotp({ secret: other, code: codeAt(STEP), now: NOW }).ok, false);
  });

  test('rejects anything but exactly six ASCII digits before comparing', () => {
    const code = codeAt(STEP);
    for (const bad of [
      '',
      code.slice(1),
      `${code}0`,
      ` ${code}`,
      `${code.slice(0, 3)} ${code.slice(3)}`,
      '١٢٣٤٥٦',
      'abcdef',
    ]) {
      assert.deepEqual(
        verifyTotp({ secret: SECRET, code: bad, now: NOW }),
        {
          ok: false,
          reason: 'invalid',
        },
        JSON.stringify(bad),
      );
    }
  });

  test('refuses a code reused after its step was stored', () => {
    const first = verifyTotp({ secret: SECRET, code: codeAt(STEP), now: NOW });
    assert.equal(first.ok, true);
    const lastUsedStep = first.ok ? first.step : -1;
    assert.deepEqual(verifyTotp({ secret: SECRET, code: codeAt(STEP), now: NOW, lastUsedStep }), {
      ok: false,
      reason: 'replayed',
    });
    // An older code still inside the window is a replay too.
    assert.deepEqual(
      verifyTotp({ secret: SECRET, code: codeAt(STEP - 1), now: NOW, lastUsedStep }),
      { ok: false, reason: 'replayed' },
    );
    // The next step's code is still fine.
    assert.deepEqual(
      verifyTotp({ secret: SECRET, code: codeAt(STEP + 1), now: NOW, lastUsedStep }),
      { ok: true, step: STEP + 1 },
    );
  });

  test('a null or absent lastUsedStep means nothing was used yet', () => {
    assert.equal(
      verifyTotp({ secret: SECRET, code: codeAt(STEP), now: NOW, lastUsedStep: null }).ok,
      true,
    );
  });
});
