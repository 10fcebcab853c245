// The account emails: text first (every client shows it), HTML as the
// alternative. They carry the link and nothing about the account itself —
// no name (user-supplied text does not belong in a mail we sign with our
// domain) and no hint of what else exists.
//
// The links point at the client application's pages (`/verify-email`,
// `/reset-password`), which POST the token to the API. They must not point
// at a GET that acts: mail scanners fetch every link in a message, and a
// single-use token would be spent before the user ever clicked.

import type { MailMessage } from '../../ports/mailer.ts';

export interface AccountLinks {
  /** Base URL of the pages the links open, without a trailing slash. */
  readonly baseUrl: string;
}

function link(links: AccountLinks, path: string, token: string): string {
  return `${links.baseUrl}${path}?token=${encodeURIComponent(token)}`;
}

export function verificationMail(links: AccountLinks, to: string, token: string): MailMessage {
  const url = link(links, '/verify-email', token);
  return {
    to,
    subject: 'Confirm your email address',
    text: [
      'Confirm that this is your email address by opening this link:',
      '',
      url,
      '',
      'The link works once and expires in 48 hours.',
      'If you did not create an account, ignore this message.',
    ].join('\n'),
    html: page([
      '<p>Confirm that this is your email address:</p>',
      button(url, 'Confirm my email address'),
      '<p>The link works once and expires in 48 hours. If you did not create an account, ignore this message.</p>',
    ]),
  };
}

export function passwordResetMail(links: AccountLinks, to: string, token: string): MailMessage {
  const url = link(links, '/reset-password', token);
  return {
    to,
    subject: 'Reset your password',
    text: [
      'Someone asked to reset the password of the account for this address.',
      'To choose a new password, open this link:',
      '',
      url,
      '',
      'The link works once and expires in 30 minutes.',
      'If it was not you, ignore this message: your password stays as it is.',
    ].join('\n'),
    html: page([
      '<p>Someone asked to reset the password of the account for this address.</p>',
      button(url, 'Choose a new password'),
      '<p>The link works once and expires in 30 minutes. If it was not you, ignore this message: your password stays as it is.</p>',
    ]),
  };
}

/** An HTML body from ready-made (already escaped) paragraphs. */
export function page(paragraphs: readonly string[]): string {
  return `<!doctype html><html><body>${paragraphs.join('')}</body></html>`;
}

function button(url: string, label: string): string {
  const href = escapeHtml(url);
  return `<p><a href="${href}">${escapeHtml(label)}</a></p><p>${href}</p>`;
}

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
