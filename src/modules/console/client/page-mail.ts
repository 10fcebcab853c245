// E-mail: what the service sent (the disk outbox, in development and tests),
// each message previewed as text and as HTML, and the suppression list.
// The HTML preview is the message as the service renders it, with its inline
// styles, loaded from its own route (GET /api/v1/admin/emails/:id/html):
// that response carries a CSP of its own, which allows the message's styles
// and images and nothing that runs, so the console's pages keep theirs with
// nothing inline. The frame is sandboxed with nothing allowed (no scripts, an
// opaque origin): a message's markup can neither run code nor reach the
// console.

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

function preview(mail: Mail): HTMLElement {
  return h(
    'section',
    { class: 'preview', 'aria-labelledby': 'preview-title' },
    h('h2', { id: 'preview-title' }, `Preview: ${mail.subject}`),
    h('p', {}, `To ${mail.to}, ${formatTime(mail.createdAt)}`),
    h('h3', {}, 'Text'),
    h('pre', { class: 'mail-text', tabindex: 0 }, mail.text),
    h('h3', {}, 'HTML'),
    mail.html === null
      ? h('p', {}, 'This message has no HTML part.')
      : h('iframe', {
          sandbox: '',
          src: `/api/v1/admin/emails/${encodeURIComponent(mail.id)}/html`,
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
