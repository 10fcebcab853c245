import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mailDisplayName, NAME_MAX_LENGTH, welcomeMail } from './welcome-mail.ts';

const LINKS = {
  baseUrl: 'https://shop.example.test',
  layout: { senderName: 'Throughline', postalAddress: '1 Example Street, Berlin' },
};
const TOKEN = 'A'.repeat(43);

describe('the display name in the welcome mail', () => {
  test('is shown tidied: no control or bidi characters, single spaces', () => {
    assert.equal(mailDisplayName('  Ann \t Smith\n'), 'Ann Smith');
    assert.equal(mailDisplayName('Ann\u202Eevil'), 'Annevil');
    assert.equal(mailDisplayName('Zoë 山田'), 'Zoë 山田');
    assert.equal(
      mailDisplayName('<script>alert(1)</script> & "x"'),
      '<script>alert(1)</script> & "x"',
    );
  });

  test('is left out when empty, too long, or looking like a link or an address', () => {
    for (const name of [
      '',
      '   ',
      '\u200B',
      'x'.repeat(NAME_MAX_LENGTH + 1),
      'Visit https://evil.test',
      'www.evil.test',
      'support@evil.test',
      'Call evil.com now',
    ]) {
      assert.equal(mailDisplayName(name), undefined, name);
    }
    assert.equal(mailDisplayName('x'.repeat(NAME_MAX_LENGTH)), 'x'.repeat(NAME_MAX_LENGTH));
  });
});

describe('welcomeMail', () => {
  test('greets by name and carries the verification link in both parts', () => {
    const mail = welcomeMail(LINKS, { email: 'ann@example.test', displayName: 'Ann & Bob' }, TOKEN);
    const url = `https://shop.example.test/verify-email?token=${TOKEN}`;
    assert.equal(mail.subject, 'Welcome to Throughline, Ann & Bob');
    assert.ok(mail.text.includes('Hello Ann & Bob,'));
    assert.ok(mail.text.includes(url));
    assert.ok(mail.html?.includes('Hello Ann &amp; Bob,'));
    assert.ok(mail.html?.includes(`href="${url}"`));
  });

  test('without a usable name, greets without one', () => {
    for (const displayName of ['', 'see www.evil.test']) {
      const mail = welcomeMail(LINKS, { email: 'ann@example.test', displayName }, TOKEN);
      assert.equal(mail.subject, 'Welcome to Throughline');
      assert.ok(mail.text.startsWith('Hello,\n'));
      assert.ok(!mail.text.includes('evil'));
      assert.ok(!(mail.html ?? '').includes('evil'));
    }
  });
});
