// A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1 and
// an ephemeral port. It keeps every message it accepts — envelope, login and
// the raw DATA — so a test can check what actually went over the wire. A
// message is recorded before the server answers 250 to DATA, so it is there
// as soon as the client's send resolves.

import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { DeliveredMail } from '../../src/ports/mailer.contract.ts';
import { findPart, headerText, parseMime, type MimePart } from './mime.ts';

export interface ReceivedSmtpMessage {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The user the client logged in as, when it did. */
  readonly user: string | undefined;
  readonly raw: string;
  readonly mime: MimePart;
}

export interface SmtpSink {
  /** `smtp://[user:password@]127.0.0.1:<port>` */
  readonly url: string;
  readonly messages: readonly ReceivedSmtpMessage[];
  /** What was delivered to `to` (envelope recipient), oldest first. */
  deliveredTo(to: string): DeliveredMail[];
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Require this login (AUTH PLAIN/LOGIN over the plain connection). */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Recipients the server refuses with 550. */
  readonly refuse?: (address: string) => boolean;
  /** While true, every connection is turned away with 421 (the server is unavailable). */
  readonly unavailable?: () => boolean;
  /** Counts connections, turned away or not. */
  readonly onConnection?: () => void;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedSmtpMessage[] = [];
  const { credentials } = options;
  const server = new SMTPServer({
    // A loopback test server: no STARTTLS to negotiate (nodemailer would try
    // it and refuse the self-signed certificate), login allowed in plain text.
    hideSTARTTLS: true,
    authOptional: credentials === undefined,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1000,
    onConnect(_session, callback) {
      options.onConnection?.();
      if (options.unavailable?.() === true) {
        callback(
          Object.assign(new Error('Service not available, try later'), { responseCode: 421 }),
        );
      } else {
        callback();
      }
    },
    onAuth(auth, _session, callback) {
      if (
        credentials !== undefined &&
        auth.username === credentials.user &&
        auth.password === credentials.password
      ) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onRcptTo(address, _session, callback) {
      if (options.refuse?.(address.address) === true) {
        callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      } else {
        callback();
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom;
        messages.push({
          envelope: {
            from: mailFrom === false ? '' : mailFrom.address,
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          },
          user: typeof session.user === 'string' ? session.user : undefined,
          raw,
          mime: parseMime(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  const login =
    credentials === undefined
      ? ''
      : `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`;
  return {
    url: `smtp://${login}127.0.0.1:${port}`,
    messages,
    deliveredTo: (to) =>
      messages
        .filter((message) => message.envelope.to.includes(to))
        .map((message) => deliveredMail(message.mime)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(resolve);
      }),
  };
}

/** A parsed message in the contract's terms. */
export function deliveredMail(mime: MimePart): DeliveredMail {
  return {
    from: headerText(mime, 'from') ?? '',
    to: headerText(mime, 'to') ?? '',
    subject: headerText(mime, 'subject') ?? '',
    text: findPart(mime, 'text/plain')?.body ?? '',
    html: findPart(mime, 'text/html')?.body,
    mimeType: mime.type,
  };
}
