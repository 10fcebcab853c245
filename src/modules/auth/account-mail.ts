// The account emails, rendered with the shared layout
// (platform/mail-templates.ts): text first (every client shows it), HTML as
// the alternative. They carry the link and nothing about the account itself —
// no name (user-supplied text does not belong in a mail we sign with our
// domain) and no hint of what else exists. The welcome mail is the one
// exception, and welcome-mail.ts says how it keeps the name harmless.
//
// The links point at the client application's pages (`/verify-email`,
// `/reset-password`), which POST the token to the API. They must not point
// at a GET that acts: mail scanners fetch every link in a message, and a
// single-use token would be spent before the user ever clicked.

import { renderMail, type MailLayout } from '../../platform/mail-templates.ts';
import type { Config } from '../../platform/config.ts';
import type { MailMessage } from '../../ports/mailer.ts';

/** Product name in the subjects and footers of the service's mail. */
export const MAIL_SENDER_NAME = 'Throughline';

export interface AccountLinks {
  /** Base URL of the pages the links open, without a trailing slash. */
  readonly baseUrl: string;
  /** The layout the mails carrying these links are rendered in. */
  readonly layout: MailLayout;
}

function link(links: AccountLinks, path: string, token: string): string {
  return `${links.baseUrl}${path}?token=${encodeURIComponent(token)}`;
}

/** The page that confirms an address with `token`. */
export function verifyEmailUrl(links: AccountLinks, token: string): string {
  return link(links, '/verify-email', token);
}

export function verificationMail(links: AccountLinks, to: string, token: string): MailMessage {
  return renderMail(
    {
      subject: 'Confirm your email address',
      preheader: 'Confirm that this is your email address.',
      intro: ['Confirm that this is your email address by opening this link:'],
      action: { label: 'Confirm my email address', url: '{{url}}' },
      outro: [
        'The link works once and expires in 48 hours.',
        'If you did not create an account, ignore this message.',
      ],
      reason:
        'You received this email because a Throughline account was created with this address, or a new confirmation link was asked for.',
    },
    { url: verifyEmailUrl(links, token) },
    links.layout,
    to,
  );
}

export function passwordResetMail(links: AccountLinks, to: string, token: string): MailMessage {
  return renderMail(
    {
      subject: 'Reset your password',
      preheader: 'Someone asked to reset the password of your account.',
      intro: [
        'Someone asked to reset the password of the account for this address.',
        'To choose a new password, open this link:',
      ],
      action: { label: 'Choose a new password', url: '{{url}}' },
      outro: [
        'The link works once and expires in 30 minutes.',
        'If it was not you, ignore this message: your password stays as it is.',
      ],
      reason:
        'You received this email because a password reset was asked for the Throughline account of this address.',
    },
    { url: link(links, '/reset-password', token) },
    links.layout,
    to,
  );
}

/** Where the links in account mail point (PUBLIC_URL, or this instance), and its layout. */
export function accountLinks(config: Config): AccountLinks {
  return {
    baseUrl:
      config.http.publicUrl ??
      `${config.tls.enabled ? 'https' : 'http'}://localhost:${config.http.port}`,
    layout: { senderName: MAIL_SENDER_NAME, postalAddress: config.mail.postalAddress },
  };
}
