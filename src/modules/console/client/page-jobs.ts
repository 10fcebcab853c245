// Jobs: how many jobs each queue holds in each state, and the dead letters
// (jobs that used up their attempts) with their last error and a replay.

import { request } from './api.ts';
import { actionButton, announce, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page } from './page.ts';

interface QueueCounts {
  readonly name: string;
  readonly waiting: number;
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

interface DeadJob {
  readonly id: string;
  readonly queue: string;
  readonly payload: unknown;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly failedAt: string;
}

const count = (field: keyof Omit<QueueCounts, 'name'>, header: string) => ({
  header,
  cell: (queue: QueueCounts) => queue[field],
  numeric: true,
});

export const jobsPage: Page = {
  path: 'jobs',
  title: 'Jobs',
  permission: 'ops:read',
  async render(view, context) {
    const { signal } = context;
    const counts = await request<{ data: QueueCounts[] }>('/api/v1/admin/jobs', { signal });
    const withDead = counts.data.filter((queue) => queue.dead > 0);
    const letters = await Promise.all(
      withDead.map((queue) =>
        request<{ data: DeadJob[] }>(`/api/v1/admin/jobs/${encodeURIComponent(queue.name)}/dead`, {
          query: { limit: 50 },
          signal,
        }),
      ),
    );
    const dead = letters.flatMap((page) => page.data);
    const replay = (job: DeadJob) =>
      actionButton(
        'Replay',
        async () => {
          await request(`/api/v1/admin/jobs/dead/${encodeURIComponent(job.id)}/replay`, {
            method: 'POST',
          });
          announce(`Job ${job.id} queued again.`);
          context.refresh();
        },
        { 'aria-label': `Replay job ${job.id}` },
      );
    replace(
      view,
      dataTable(
        'Jobs per queue and state',
        [
          { header: 'Queue', cell: (queue) => h('code', {}, queue.name) },
          count('waiting', 'Waiting'),
          count('pending', 'Pending'),
          count('running', 'Running'),
          count('completed', 'Completed'),
          count('dead', 'Dead'),
        ],
        counts.data,
      ),
      h('h2', {}, 'Dead letters'),
      dataTable(
        'Dead letters',
        [
          { header: 'Job', cell: (job) => h('code', {}, job.id) },
          { header: 'Queue', cell: (job) => job.queue },
          { header: 'Attempts', cell: (job) => job.attempts, numeric: true },
          { header: 'Last error', cell: (job) => job.lastError ?? '—' },
          { header: 'Failed', cell: (job) => formatTime(job.failedAt) },
          {
            header: 'Payload',
            cell: (job) =>
              h('code', { class: 'payload' }, JSON.stringify(job.payload).slice(0, 200)),
          },
          {
            header: 'Action',
            cell: (job) => (context.can('ops:write') ? replay(job) : '—'),
          },
        ],
        dead,
        'no job has used up its attempts.',
      ),
    );
  },
};
