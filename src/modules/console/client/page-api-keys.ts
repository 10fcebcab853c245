// API keys: the signed-in user's own keys, a form to make one (scoped to
// permissions the user holds; the key is shown once, then only its prefix),
// and revocation.

import { request } from './api.ts';
import { actionButton, alertBox, announce, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page, PageContext } from './page.ts';

interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

// A key never carries these (see the API's scope list): it could mint keys or change roles.
const NEVER_SCOPED = new Set(['credentials:manage', 'users:roles']);

/** The key just created, until the page has shown its secret once. */
let justCreated: { readonly name: string; readonly key: string } | undefined;

function createForm(context: PageContext, result: HTMLElement): HTMLElement {
  const scopes = [...context.session.permissions]
    .filter((scope) => !NEVER_SCOPED.has(scope))
    .sort();
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'new-key-title' },
    h('h2', { id: 'new-key-title' }, 'New key'),
    h(
      'p',
      { class: 'field' },
      h('label', { for: 'key-name' }, 'Name'),
      h('input', { id: 'key-name', required: true, maxlength: 100 }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Scopes'),
      scopes.map((scope) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            name: 'scope',
            value: scope,
            checked: scope.endsWith(':read') || scope.endsWith(':own'),
          }),
          ` ${scope}`,
        ),
      ),
    ),
    h('button', { type: 'submit' }, 'Create key'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = (form.querySelector('#key-name') as HTMLInputElement).value.trim();
    const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name=scope]:checked')].map(
      (box) => box.value,
    );
    request<ApiKey & { key: string }>('/api/v1/me/api-keys', {
      method: 'POST',
      json: { name, scopes: chosen },
    })
      .then((created) => {
        // Shown once, by the next drawing of the page (which lists the new key).
        justCreated = created;
        announce(`Key ${created.name} created.`);
        context.refresh();
      })
      .catch((error: unknown) => {
        replace(result, alertBox(error instanceof Error ? error.message : String(error)));
      });
  });
  return form;
}

export const apiKeysPage: Page = {
  path: 'api-keys',
  title: 'API keys',
  permission: 'credentials:manage',
  async render(view, context) {
    const keys = await request<{ data: ApiKey[] }>('/api/v1/me/api-keys', {
      signal: context.signal,
    });
    const result = h('div', { id: 'new-key' });
    if (justCreated !== undefined) {
      replace(
        result,
        h(
          'p',
          { class: 'ok' },
          `Key ${justCreated.name} created. Copy it now; it is not shown again: `,
          h('code', { class: 'secret' }, justCreated.key),
        ),
      );
      justCreated = undefined;
    }
    replace(
      view,
      result,
      dataTable(
        'Your keys',
        [
          { header: 'Name', cell: (key) => key.name },
          { header: 'Prefix', cell: (key) => h('code', {}, key.prefix) },
          { header: 'Scopes', cell: (key) => key.scopes.join(', ') },
          { header: 'Created', cell: (key) => formatTime(key.createdAt) },
          { header: 'Last used', cell: (key) => formatTime(key.lastUsedAt) },
          { header: 'Expires', cell: (key) => formatTime(key.expiresAt) },
          {
            header: 'Action',
            cell: (key) =>
              key.revokedAt !== null
                ? `revoked ${formatTime(key.revokedAt)}`
                : actionButton(
                    'Revoke',
                    async () => {
                      await request(`/api/v1/me/api-keys/${encodeURIComponent(key.id)}`, {
                        method: 'DELETE',
                      });
                      announce(`Key ${key.name} revoked.`);
                      context.refresh();
                    },
                    { 'aria-label': `Revoke key ${key.name}` },
                  ),
          },
        ],
        keys.data,
        'you have no API key.',
      ),
      createForm(context, result),
    );
  },
};
