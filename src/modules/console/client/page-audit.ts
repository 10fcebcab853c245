// Audit log: who did what, newest first, and a check of the hash chain
// (each entry's hash covers the one before it, so an edited or deleted
// entry breaks the chain from that point on).

import { request } from './api.ts';
import { alertBox, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page } from './page.ts';

interface AuditEntry {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorId: string | null;
  readonly actorIp: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly outcome: string;
}

interface Verification {
  readonly ok: boolean;
  readonly count: number;
  readonly brokenAt?: string;
  readonly reason?: string;
}

export const auditPage: Page = {
  path: 'audit',
  title: 'Audit log',
  permission: 'audit:read',
  async render(view, { signal }) {
    const entries = await request<{ data: AuditEntry[] }>('/api/v1/admin/audit', {
      query: { limit: 50 },
      signal,
    });
    const result = h('div', { id: 'verification' });
    const verify = h('button', { type: 'button' }, 'Verify the chain');
    verify.addEventListener('click', () => {
      verify.disabled = true;
      replace(result, h('p', {}, 'Verifying…'));
      request<Verification>('/api/v1/admin/audit/verify')
        .then((outcome) => {
          replace(
            result,
            outcome.ok
              ? h(
                  'p',
                  { class: 'ok', role: 'status' },
                  `Chain intact: ${outcome.count} entries verified.`,
                )
              : alertBox(
                  `Chain broken at entry ${outcome.brokenAt ?? '?'}: ${outcome.reason ?? 'unknown reason'}.`,
                ),
          );
        })
        .catch((error: unknown) => {
          replace(result, alertBox(error instanceof Error ? error.message : String(error)));
        })
        .finally(() => {
          verify.disabled = false;
        });
    });
    replace(
      view,
      h('div', { class: 'toolbar' }, verify),
      result,
      dataTable(
        'Latest audit entries',
        [
          { header: 'When', cell: (entry) => formatTime(entry.occurredAt) },
          { header: 'Action', cell: (entry) => h('code', {}, entry.action) },
          { header: 'Outcome', cell: (entry) => entry.outcome },
          { header: 'Actor', cell: (entry) => entry.actorId ?? 'system' },
          {
            header: 'Target',
            cell: (entry) =>
              entry.targetType === null ? '—' : `${entry.targetType} ${entry.targetId ?? ''}`,
          },
          { header: 'Address', cell: (entry) => entry.actorIp ?? '—' },
        ],
        entries.data,
        'nothing has been recorded yet.',
      ),
    );
  },
};
