// E-mail: what the service sent (the disk outbox, in development and tests),
// each message previewed as text and as HTML, and the suppression list.
// The HTML preview sits in a sandboxed frame with scripts off: a message's
// markup can neither run code nor reach the console. The frame inherits the
// console's CSP, which applies no inline style, so the preview drops the
// message's styles (and anything else that could load or run) before
// showing it: the structure, text and links, not the look.

import { request } from './api.ts';
import { actionButton, announce, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page } from './page.ts';

interface Mail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly createdAt: string;
  readonly text: string;
  readonly html: string | null;
}

interface Suppression {
  readonly id: string;
  readonly email: string;
  readonly reason: string;
  readonly detail: string;
  readonly createdAt: string;
}

const DROPPED_ELEMENTS = 'script, style, link, meta, base, iframe, object, embed, form';

// Styles go before parsing: the browser checks even a parsed-only document's
// style attributes against the page's CSP (and reports each refusal). What a
// pattern misses is still refused by the CSP, so this is tidiness, not safety.
const STYLE_BLOCK = /<style[\s\S]*?<\/style\s*>/gi;
const STYLE_ATTRIBUTE = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;

/** The message's HTML without styles, scripts or anything that loads: what the frame can show. */
function inertHtml(html: string): string {
  const unstyled = html.replace(STYLE_BLOCK, '').replace(STYLE_ATTRIBUTE, '');
  // DOMParser builds a document that runs nothing and loads nothing.
  const document = new DOMParser().parseFromString(unstyled, 'text/html');
  for (const element of document.querySelectorAll(DROPPED_ELEMENTS)) element.remove();
  for (const element of document.querySelectorAll('*')) {
    for (const { name } of [...element.attributes]) {
      if (name === 'style' || name.startsWith('on') || name === 'srcset') {
        element.removeAttribute(name);
      }
    }
  }
  return `<!doctype html>${document.documentElement.outerHTML}`;
}

function preview(mail: Mail): HTMLElement {
  return h(
    'section',
    { class: 'preview', 'aria-labelledby': 'preview-title' },
    h('h2', { id: 'preview-title' }, `Preview: ${mail.subject}`),
    h('p', {}, `To ${mail.to}, ${formatTime(mail.createdAt)}`),
    h('h3', {}, 'Text'),
    h('pre', { class: 'mail-text', tabindex: 0 }, mail.text),
    h('h3', {}, 'HTML'),
    h('p', { class: 'muted' }, 'Shown without its styles: the console applies no inline style.'),
    mail.html === null
      ? h('p', {}, 'This message has no HTML part.')
      : h('iframe', {
          sandbox: '',
          srcdoc: inertHtml(mail.html),
          title: `HTML of ${mail.subject}`,
          class: 'mail-html',
        }),
  );
}

export const mailPage: Page = {
  path: 'mail',
  title: 'E-mail',
  permission: 'mail:manage',
  async render(view, context) {
    const { signal } = context;
    const [outbox, suppressions] = await Promise.all([
      request<{ data: Mail[] }>('/api/v1/admin/emails', { query: { limit: 20 }, signal }).catch(
        (error: unknown) => error as Error,
      ),
      request<{ data: Suppression[] }>('/api/v1/admin/mail/suppressions', {
        query: { limit: 50 },
        signal,
      }),
    ]);
    const previewSlot = h('div', {});
    const outboxPart =
      outbox instanceof Error
        ? h('p', {}, `The outbox cannot be shown: ${outbox.message}`)
        : dataTable(
            'Outbox',
            [
              { header: 'Sent', cell: (mail) => formatTime(mail.createdAt) },
              { header: 'To', cell: (mail) => mail.to },
              {
                header: 'Subject',
                cell: (mail) => {
                  const open = h('button', { type: 'button', class: 'link-button' }, mail.subject);
                  open.addEventListener('click', () => {
                    replace(previewSlot, preview(mail));
                    previewSlot.querySelector('h2')?.setAttribute('tabindex', '-1');
                    (previewSlot.querySelector('h2') as HTMLElement | null)?.focus();
                  });
                  return open;
                },
              },
            ],
            outbox.data,
            'no message has been sent.',
          );
    replace(
      view,
      outboxPart,
      previewSlot,
      h('h2', {}, 'Suppressions'),
      h('p', {}, 'Addresses the service no longer writes to (bounces, complaints, or added here).'),
      dataTable(
        'Suppressed addresses',
        [
          { header: 'Address', cell: (entry) => entry.email },
          { header: 'Reason', cell: (entry) => entry.reason },
          { header: 'Detail', cell: (entry) => entry.detail || '—' },
          { header: 'Since', cell: (entry) => formatTime(entry.createdAt) },
          {
            header: 'Action',
            cell: (entry) =>
              actionButton(
                'Remove',
                async () => {
                  await request(
                    `/api/v1/admin/mail/suppressions/${encodeURIComponent(entry.email)}`,
                    {
                      method: 'DELETE',
                    },
                  );
                  announce(`${entry.email} receives mail again.`);
                  context.refresh();
                },
                { 'aria-label': `Remove suppression of ${entry.email}` },
              ),
          },
        ],
        suppressions.data,
        'no address is suppressed.',
      ),
    );
  },
};
