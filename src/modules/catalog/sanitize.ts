// Product descriptions are HTML that other people's browsers render, so they
// are sanitised on write against an allow-list: a few text-structure tags,
// and links with web or mail schemes only, each forced to
// `rel="noopener noreferrer nofollow"` (no window.opener access, no referrer,
// no ranking credit for spam links). Everything else — scripts, event
// handlers, style attributes, iframes, SVG, `javascript:` and `data:` URLs —
// is dropped; the text inside dropped tags stays, except for the contents of
// script, style and similar non-text elements, which go with them.
//
// Why a library: HTML sanitisation is a dangerous part that must not be
// hand-rolled. A safe sanitiser has to parse HTML the way browsers do
// (unclosed tags, entities inside attribute values, `java&#x09;script:`,
// comments, CDATA, namespace switches into SVG and MathML), and regular
// expressions or a home-made tokenizer miss cases that attackers collect.
// sanitize-html sits on a real HTML parser (htmlparser2), is widely used and
// maintained, and is configured here with an allow-list only.

import sanitizeHtml from 'sanitize-html';

export const ALLOWED_TAGS = [
  'p',
  'br',
  'strong',
  'em',
  'ul',
  'ol',
  'li',
  'h3',
  'h4',
  'blockquote',
  'code',
  'pre',
  'a',
] as const;

const LINK_REL = 'noopener noreferrer nofollow';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  // `//evil.example` has no scheme to check; require one.
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  allowedClasses: {},
  allowedStyles: {},
  transformTags: {
    // Runs before the attribute and scheme filters: whatever rel the author
    // wrote is replaced, and an unsafe href is still removed afterwards.
    a: (tagName, attribs) => ({
      tagName,
      attribs: {
        ...(attribs.href === undefined ? {} : { href: attribs.href }),
        rel: LINK_REL,
      },
    }),
  },
};

/** The safe subset of `html`: allowed tags and link targets only. */
export function sanitizeDescription(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
