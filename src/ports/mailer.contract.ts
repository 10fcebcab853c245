// The Mailer contract: one suite every adapter must pass, so what a developer
// reads in the disk outbox is what a mail server receives over SMTP. An
// adapter's test file is a call: `runMailerContract('disk outbox', open)`,
// where `open` also says how to read delivered messages back (the outbox's
// files; the raw DATA a real SMTP server received, parsed).
//
// Every case writes to its own recipient, so cases do not see each other's
// messages and can run in any order.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Mailer } from './mailer.ts';

/** A message as the receiving side saw it. */
export interface DeliveredMail {
  /** The From header. */
  readonly from: string;
  /** The To header. */
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | undefined;
  /** The top-level MIME type when the adapter produced a MIME message, else undefined. */
  readonly mimeType: string | undefined;
}

export interface MailerUnderTest {
  readonly mailer: Mailer;
  /** The From address the adapter was configured with. */
  readonly from: string;
  /** What was delivered for `to` so far, oldest first. */
  delivered(to: string): Promise<DeliveredMail[]>;
  close(): Promise<void>;
}

/** `Name <a@b>` → `a@b`; a bare address stays as it is. */
export function addressOf(header: string): string {
  return (/<([^>]*)>\s*$/.exec(header)?.[1] ?? header).trim().toLowerCase();
}

/** Line endings and the trailing line break are the transport's business, not the content's. */
function normalized(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\n+$/, '');
}

export function runMailerContract(name: string, open: () => Promise<MailerUnderTest>): void {
  void describe(`Mailer contract: ${name}`, () => {
    let under: MailerUnderTest;
    before(async () => {
      under = await open();
    });
    after(async () => {
      await under.mailer.close?.();
      await under.close();
    });
    const recipient = () => `rcpt-${randomUUID().slice(0, 8)}@example.test`;

    const onlyOne = async (to: string): Promise<DeliveredMail> => {
      const delivered = await under.delivered(to);
      assert.equal(delivered.length, 1, `expected one message for ${to}`);
      return delivered[0]!;
    };

    void it('delivers a plain-text message with its recipient, subject, sender and text', async () => {
      const to = recipient();
      await under.mailer.send({ to, subject: 'Plain hello', text: 'Hello,\nplain world.' });
      const mail = await onlyOne(to);
      assert.equal(addressOf(mail.to), to);
      assert.equal(addressOf(mail.from), addressOf(under.from));
      assert.equal(mail.subject, 'Plain hello');
      assert.equal(normalized(mail.text), 'Hello,\nplain world.');
      assert.equal(mail.html, undefined);
      if (mail.mimeType !== undefined) assert.equal(mail.mimeType, 'text/plain');
    });

    void it('delivers an HTML body together with its text alternative', async () => {
      const to = recipient();
      const html = '<p>Hello, <a href="https://example.test/a?b=1&amp;c=2">rich</a> world.</p>';
      await under.mailer.send({ to, subject: 'Rich hello', text: 'Hello, rich world.', html });
      const mail = await onlyOne(to);
      assert.equal(mail.subject, 'Rich hello');
      assert.equal(normalized(mail.text), 'Hello, rich world.');
      assert.equal(normalized(mail.html ?? ''), html);
      if (mail.mimeType !== undefined) assert.equal(mail.mimeType, 'multipart/alternative');
    });

    void it('keeps non-ASCII text, long lines and dot-leading lines intact', async () => {
      const to = recipient();
      const subject = 'Grüße aus Köln – ✓ 確認';
      const long = `${'Ünïcödé and a long line '.repeat(12)}end.`;
      const text = `Hallo Jürgen,\n\n${long}\n.\n.a line that starts with a dot\nFrom here on.`;
      const html = `<p>Hallo Jürgen – ✓</p><p>${long}</p>`;
      await under.mailer.send({ to, subject, text, html });
      const mail = await onlyOne(to);
      assert.equal(mail.subject, subject);
      assert.equal(normalized(mail.text), text);
      assert.equal(normalized(mail.html ?? ''), html);
    });

    void it('delivers each send as its own message, in order', async () => {
      const to = recipient();
      await under.mailer.send({ to, subject: 'first', text: 'one' });
      await under.mailer.send({ to, subject: 'second', text: 'two' });
      const delivered = await under.delivered(to);
      assert.deepEqual(
        delivered.map((mail) => [mail.subject, normalized(mail.text)]),
        [
          ['first', 'one'],
          ['second', 'two'],
        ],
      );
    });
  });
}
