// The welcome mail, sent once after sign-up by the `user.registered` event's
// consumer (modules/auth/welcome-consumer.ts). It carries the first email-verification
// link, so a new user gets one message, not two; asking for another link
// later (account-service.ts, resend) sends the plain verification mail.
//
// The display name is shown, in the subject and the greeting — the one
// exception to account-mail.ts's "no user-supplied text" rule, and a narrow
// one. At sign-up the address is not verified yet: whoever signs up with
// someone else's address chooses the name that mailbox then reads, under our
// domain. So the name goes through `mailDisplayName` first, and appears only
// if it still reads as a name:
// - control and invisible format characters (bidi overrides that reorder
//   what is shown) are removed and whitespace collapsed to single spaces;
// - longer than NAME_MAX_LENGTH characters, or anything that looks like a
//   link, an address or a domain: not shown at all (no truncation: a cut
//   text can say something else);
// - HTML-escaped like every merge variable (the renderer does it), left as
//   typed in the text part.
// Without a usable name the mail greets without one ("Welcome to Throughline").

import type { MailMessage } from '../../ports/mailer.ts';
import { renderMail, type MailTemplate } from '../../platform/mail-templates.ts';
import { verifyEmailUrl, type AccountLinks } from './account-mail.ts';
import { mailVerificationLink, type AccountServiceDeps } from './account-service.ts';

export const NAME_MAX_LENGTH = 64;

const LINK_LIKE = /:\/\/|www\.|@|[\p{L}\p{N}-]+\.[\p{L}]{2,}/iu;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** What a reader counts as characters (grapheme clusters): an emoji with its modifiers is one. */
function characters(text: string): number {
  return [...graphemes.segment(text)].length;
}

/** The name as the welcome mail may show it, or undefined when it should not be shown. */
export function mailDisplayName(displayName: string): string | undefined {
  const name = displayName
    .normalize('NFC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\p{Z}\s]+/gu, ' ')
    .trim();
  if (name === '' || characters(name) > NAME_MAX_LENGTH || LINK_LIKE.test(name)) return undefined;
  return name;
}

const shared = {
  preheader: 'One step left: confirm your email address.',
  action: { label: 'Confirm my email address', url: '{{verifyUrl}}' },
  outro: [
    'The link works once and expires in 48 hours.',
    'If you did not create an account, ignore this message: the account stays unconfirmed.',
  ],
  reason: 'You received this email because a Throughline account was created with this address.',
} as const;

const intro =
  'Thank you for creating your account. To finish, confirm that this is your email address:';

const WITH_NAME: MailTemplate = {
  ...shared,
  subject: 'Welcome to Throughline, {{displayName}}',
  intro: ['Hello {{displayName}},', intro],
};

const WITHOUT_NAME: MailTemplate = {
  ...shared,
  subject: 'Welcome to Throughline',
  intro: ['Hello,', intro],
};

export function welcomeMail(
  links: AccountLinks,
  user: { readonly email: string; readonly displayName: string },
  token: string,
): MailMessage {
  const displayName = mailDisplayName(user.displayName);
  const verifyUrl = verifyEmailUrl(links, token);
  return displayName === undefined
    ? renderMail(WITHOUT_NAME, { verifyUrl }, links.layout, user.email)
    : renderMail(WITH_NAME, { verifyUrl, displayName }, links.layout, user.email);
}

/**
 * Issues the first verification link and mails it inside the welcome; like
 * `mailVerification`, nothing goes out past the per-window limit, and only
 * the newest link works.
 */
export async function mailWelcome(
  deps: Pick<AccountServiceDeps, 'sql' | 'mailer' | 'links' | 'now'>,
  user: { readonly id: string; readonly email: string; readonly displayName: string },
): Promise<void> {
  await mailVerificationLink(deps, user.id, (token) => welcomeMail(deps.links, user, token));
}
