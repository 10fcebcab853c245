// The mail settings: SMTP_URL is a secret (redacted, never echoed in an
// error), MAIL_FROM must be one address and nothing that could end a header.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig, redactConfig } from '../../src/platform/config.ts';

const load = (env: Record<string, string>) => loadConfig({ argv: [], env });

function problemOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('expected a configuration error');
}

describe('mail settings', () => {
  test('default to the disk outbox and a local sender', () => {
    const config = load({});
    assert.equal(config.mail.smtpUrl, undefined);
    assert.equal(config.mail.from, 'Throughline <no-reply@localhost>');
  });

  test('SMTP_URL is redacted and its value kept out of errors', () => {
    const url = 'smtps://mailer:hunter2@smtp.example.com:465';
    const config = load({ SMTP_URL: url, MAIL_FROM: 'Shop <no-reply@example.com>' });
    assert.equal(config.mail.smtpUrl, url);
    assert.equal(
      (redactConfig(config) as { mail: { smtpUrl: unknown } }).mail.smtpUrl,
      '[redacted]',
    );
    const message = problemOf({ SMTP_URL: 'http://mailer:hunter2@smtp.example.com' });
    assert.match(message, /mail\.smtpUrl/);
    assert.doesNotMatch(message, /hunter2/);
  });

  test('MAIL_FROM takes one address, bare or with a name, and no line breaks', () => {
    assert.equal(load({ MAIL_FROM: 'no-reply@example.com' }).mail.from, 'no-reply@example.com');
    for (const bad of ['nobody', 'A <a@example.com>\r\nBcc: x@example.com', 'a@b.c, d@e.f']) {
      assert.match(problemOf({ MAIL_FROM: bad }), /mail\.from/);
    }
  });
});
