// Users and roles: every account, and a role change per account (admins only
// hold `users:roles`; the API refuses anyone else, and the change is audited).

import { request } from './api.ts';
import { announce, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page } from './page.ts';

interface Account {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly role: string;
  readonly emailVerified: boolean;
  readonly createdAt: string;
}

const ROLES = ['customer', 'editor', 'admin'] as const;

function roleControl(account: Account, refresh: () => void): HTMLElement {
  const id = `role-${account.id}`;
  const select = h(
    'select',
    { id },
    ROLES.map((role) => h('option', { value: role, selected: role === account.role }, role)),
  );
  const save = h('button', { type: 'button' }, 'Change');
  save.addEventListener('click', () => {
    save.disabled = true;
    request(`/api/v1/admin/users/${encodeURIComponent(account.id)}/role`, {
      method: 'PUT',
      json: { role: select.value },
    })
      .then(() => {
        announce(`${account.email} is now ${select.value}.`);
        refresh();
      })
      .catch((error: unknown) => {
        announce(error instanceof Error ? error.message : String(error));
        save.disabled = false;
      });
  });
  return h(
    'span',
    { class: 'inline-form' },
    h('label', { for: id, class: 'visually-hidden' }, `Role of ${account.email}`),
    select,
    save,
  );
}

export const usersPage: Page = {
  path: 'users',
  title: 'Users',
  permission: 'users:read',
  async render(view, context) {
    const users = await request<{ data: Account[] }>('/api/v1/admin/users', {
      query: { limit: 100 },
      signal: context.signal,
    });
    replace(
      view,
      dataTable(
        'Accounts',
        [
          { header: 'E-mail', cell: (account) => account.email },
          { header: 'Name', cell: (account) => account.displayName },
          {
            header: 'Role',
            cell: (account) =>
              context.can('users:roles') ? roleControl(account, context.refresh) : account.role,
          },
          { header: 'Verified', cell: (account) => (account.emailVerified ? 'yes' : 'no') },
          { header: 'Since', cell: (account) => formatTime(account.createdAt) },
        ],
        users.data,
      ),
    );
  },
};
