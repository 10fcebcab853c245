// The production mailer: SMTP through nodemailer. The connection comes from
// one URL (SMTP_URL: `smtp://user:pass@host:587` upgrades with STARTTLS when
// the server offers it, `smtps://…:465` is TLS from the first byte; nodemailer
// options may ride along as query parameters). Messages with an HTML part go
// out as multipart/alternative with the text part first, as RFC 2046 §5.1.4
// orders them (plainest first).
//
// Timeouts are bounded: a mail server that stops answering must fail the send
// (which background work logs), not hold it, and shutdown waiting on it,
// for nodemailer's default ten minutes.

import { createRequire } from 'node:module';
import type { MailMessage, Mailer } from '../../ports/mailer.ts';
import { traceOutbound } from '../../platform/tracing/outbound.ts';

// nodemailer is loaded when an SMTP mailer is created, not with this module
// (Node's synchronous require): without SMTP_URL it is never loaded, which
// spares start-up about a tenth of a second.
const require = createRequire(import.meta.url);

export interface SmtpMailerOptions {
  /** smtp:// or smtps:// URL, credentials included. */
  readonly url: string;
  /** The From header, e.g. `Throughline <no-reply@example.com>`. */
  readonly from: string;
}

const TIMEOUTS = {
  connectionTimeout: 10_000,
  greetingTimeout: 10_000,
  socketTimeout: 30_000,
  dnsTimeout: 10_000,
};

export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  // URL settings win over these defaults (nodemailer merges the URL last).
  const { createTransport } = require('nodemailer') as typeof import('nodemailer');
  const transport = createTransport({ ...TIMEOUTS, url: options.url }, { from: options.from });
  // Where the mail goes, on its span; never who it goes to.
  const server = URL.parse(options.url);
  const span = {
    name: 'smtp send',
    attributes: {
      'server.address': server?.hostname ?? '',
      'server.port': Number(server?.port || (server?.protocol === 'smtps:' ? 465 : 587)),
    },
  };
  return {
    async send(message: MailMessage) {
      await traceOutbound(span, () =>
        transport.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
        }),
      );
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
