// The SMTP adapter (nodemailer) against the Mailer contract, delivering to a
// real SMTP server in this process; then what only SMTP has: the login from
// the URL, the envelope, multipart/alternative, and a refused recipient.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSmtpMailer } from '../../src/adapters/mail/smtp.ts';
import { runMailerContract } from '../../src/ports/mailer.contract.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const FROM = 'Throughline Tests <no-reply@example.test>';

runMailerContract('SMTP (nodemailer → smtp-server)', async () => {
  const sink = await startSmtpSink();
  return {
    mailer: createSmtpMailer({ url: sink.url, from: FROM }),
    from: FROM,
    delivered: (to) => Promise.resolve(sink.deliveredTo(to)),
    close: () => sink.close(),
  };
});

describe('SMTP mailer', () => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink({
      credentials: { user: 'mailer', password: 'p@ss word:1' },
      refuse: (address) => address.startsWith('nobody@'),
    });
  });
  after(() => sink.close());

  test('logs in with the URL’s credentials and sends the envelope the headers name', async () => {
    const mailer = createSmtpMailer({ url: sink.url, from: FROM });
    try {
      await mailer.send({
        to: 'ann@example.test',
        subject: 'Envelope',
        text: 'text part',
        html: '<p>html part</p>',
      });
    } finally {
      await mailer.close?.();
    }
    const message = sink.messages.find((m) => m.envelope.to.includes('ann@example.test'));
    assert.ok(message !== undefined);
    assert.equal(message.user, 'mailer');
    assert.deepEqual(message.envelope, { from: 'no-reply@example.test', to: ['ann@example.test'] });
    // Text first, then HTML: RFC 2046 §5.1.4 puts the preferred (richest) part last.
    assert.equal(message.mime.type, 'multipart/alternative');
    assert.deepEqual(
      message.mime.parts.map((part) => part.type),
      ['text/plain', 'text/html'],
    );
    assert.match(message.raw, /^Message-ID: <.+@.+>\r?$/im);
    assert.match(message.raw, /^Date: /im);
  });

  test('a wrong login or a refused recipient rejects the send', async () => {
    const url = new URL(sink.url);
    url.password = 'wrong';
    const wrongLogin = createSmtpMailer({ url: url.href, from: FROM });
    await assert.rejects(wrongLogin.send({ to: 'bob@example.test', subject: 's', text: 't' }));
    await wrongLogin.close?.();

    const mailer = createSmtpMailer({ url: sink.url, from: FROM });
    await assert.rejects(
      mailer.send({ to: 'nobody@example.test', subject: 's', text: 't' }),
      /550|No such mailbox/,
    );
    await mailer.close?.();
    assert.equal(
      sink.messages.some((m) => m.envelope.to.includes('bob@example.test')),
      false,
    );
  });

  test('a server that is not there fails the send instead of hanging', async () => {
    const gone = await startSmtpSink();
    const url = gone.url;
    await gone.close();
    const mailer = createSmtpMailer({ url, from: FROM });
    await assert.rejects(mailer.send({ to: 'x@example.test', subject: 's', text: 't' }));
    await mailer.close?.();
  });
});
