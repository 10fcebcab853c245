// Mail templates: `{{name}}` merge variables and the one layout every mail
// the service sends shares. Used by the modules that write mail (auth's
// account and welcome mails); it knows nothing about any of them.
//
// Escaping is the renderer's job, not the caller's: template text is plain
// text (there is no raw-HTML escape hatch), values are filled in as they
// are for the text part, and the HTML part is built from the filled text
// with every character that means something in HTML escaped. So a display
// name like `<script>` reaches the reader as those characters, and no
// caller can forget to escape one variable.
//
// A variable the template names but the caller did not supply throws
// MailTemplateError when the mail is rendered: "Hello ," or a button with
// an empty link must fail the job that sends it (logged, retried), never go
// out. Values must be strings; an optional part (a name that may be empty)
// is a second template, not an empty value.
//
// The layout (RFC 2046 multipart/alternative: the adapter sends text first,
// HTML second):
//   preheader   the preview line clients show after the subject; hidden in
//               the HTML body, left out of the text (its first line already
//               is the preview there)
//   intro       paragraphs
//   action      at most one call to action: a button whose URL is also
//               printed as text, for clients that do not show buttons
//   outro       paragraphs
//   footer      why the mail was sent, and the sender's postal address
//               (MAIL_POSTAL_ADDRESS; left out when unset)

import type { MailMessage } from '../ports/mailer.ts';

export type MergeVariables = Readonly<Record<string, string>>;

export interface MailTemplate {
  readonly subject: string;
  readonly preheader: string;
  readonly intro: readonly string[];
  /** The one button; its URL must be http(s) once filled in. */
  readonly action?: { readonly label: string; readonly url: string };
  readonly outro?: readonly string[];
  /** Why the recipient gets this mail, e.g. "You received this email because …". */
  readonly reason: string;
}

export interface MailLayout {
  /** Shown in the footer with the address, e.g. `Throughline`. */
  readonly senderName: string;
  /** The sender's postal address (MAIL_POSTAL_ADDRESS), one line; none when undefined. */
  readonly postalAddress: string | undefined;
}

export class MailTemplateError extends Error {
  override name = 'MailTemplateError';
}

const VARIABLE = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The template text with its variables filled in, as plain text. Throws when
 * a variable has no value or the text has a `{{`/`}}` that is no variable
 * (a typo would otherwise go out verbatim).
 */
export function fillTemplate(source: string, variables: MergeVariables): string {
  if (/\{\{|\}\}/.test(source.replace(VARIABLE, ''))) {
    throw new MailTemplateError(`malformed merge variable in template text: ${source}`);
  }
  // One pass over the template: a value containing `{{x}}` stays as it is.
  return source.replace(VARIABLE, (_match, name: string) => {
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (typeof value !== 'string') {
      throw new MailTemplateError(`no value for merge variable {{${name}}}`);
    }
    return value;
  });
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

/** Renders `template` for `to`: subject, text part and HTML part. */
export function renderMail(
  template: MailTemplate,
  variables: MergeVariables,
  layout: MailLayout,
  to: string,
): MailMessage {
  const fill = (source: string) => fillTemplate(source, variables);
  // A header is one line, whatever a value held.
  const subject = fill(template.subject).replace(/\s+/g, ' ').trim();
  const preheader = fill(template.preheader);
  const intro = template.intro.map(fill);
  const outro = (template.outro ?? []).map(fill);
  const action =
    template.action === undefined
      ? undefined
      : { label: fill(template.action.label), url: checkedUrl(fill(template.action.url)) };
  const reason = fill(template.reason);
  const address = layout.postalAddress;
  const signature = address === undefined ? layout.senderName : `${layout.senderName}, ${address}`;

  const text = [
    ...intro.flatMap((paragraph) => [paragraph, '']),
    ...(action === undefined ? [] : [`${action.label}:`, action.url, '']),
    ...outro.flatMap((paragraph) => [paragraph, '']),
    '-- ',
    reason,
    signature,
  ].join('\n');

  const paragraph = (content: string) => `<p style="${STYLE.paragraph}">${escapeHtml(content)}</p>`;
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    `<body style="${STYLE.body}">`,
    `<div style="${STYLE.preheader}">${escapeHtml(preheader)}</div>`,
    `<div style="${STYLE.card}">`,
    ...intro.map(paragraph),
    ...(action === undefined ? [] : [button(action.url, action.label)]),
    ...outro.map(paragraph),
    `<div style="${STYLE.footer}">`,
    `<p style="${STYLE.paragraph}">${escapeHtml(reason)}</p>`,
    `<p style="${STYLE.paragraph}">${escapeHtml(signature)}</p>`,
    '</div></div></body></html>',
  ].join('');

  return { to, subject, text, html };
}

function button(url: string, label: string): string {
  const href = escapeHtml(url);
  return [
    `<p style="${STYLE.paragraph}"><a href="${href}" style="${STYLE.button}">${escapeHtml(label)}</a></p>`,
    `<p style="${STYLE.link}">${href}</p>`,
  ].join('');
}

/** Only web links become buttons: never `javascript:` or `data:`, whatever a value held. */
function checkedUrl(url: string): string {
  const protocol = URL.parse(url)?.protocol;
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new MailTemplateError('a call-to-action link must be an http(s) URL');
  }
  return url;
}

// Inline styles: many mail clients drop <style> blocks.
const STYLE = {
  body: 'margin:0;padding:24px 0;background:#f4f4f5;color:#18181b;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5',
  preheader: 'display:none;max-height:0;overflow:hidden;mso-hide:all',
  card: 'max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:6px',
  paragraph: 'margin:0 0 16px',
  button:
    'display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600',
  link: 'margin:0 0 16px;font-size:13px;color:#52525b;word-break:break-all',
  footer:
    'margin-top:24px;padding-top:16px;border-top:1px solid #e4e4e7;font-size:13px;color:#71717a',
} as const;
