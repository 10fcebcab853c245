// Webhooks: the shop's endpoints and the delivery log, each delivery with
// its attempts, last answer and next try, and a replay that sends it again.

import { request } from './api.ts';
import { actionButton, announce, dataTable, formatTime, h, replace } from './dom.ts';
import type { Page } from './page.ts';

interface Endpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  readonly createdAt: string;
}

interface Delivery {
  readonly id: string;
  readonly endpointId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly createdAt: string;
}

export const webhooksPage: Page = {
  path: 'webhooks',
  title: 'Webhooks',
  permission: 'webhooks:manage',
  async render(view, context) {
    const { signal } = context;
    const [endpoints, deliveries] = await Promise.all([
      request<{ data: Endpoint[] }>('/api/v1/webhooks/endpoints', { signal }),
      request<{ data: Delivery[] }>('/api/v1/webhooks/deliveries', {
        query: { limit: 50 },
        signal,
      }),
    ]);
    const urls = new Map(endpoints.data.map((endpoint) => [endpoint.id, endpoint.url]));
    replace(
      view,
      dataTable(
        'Endpoints',
        [
          { header: 'URL', cell: (endpoint) => h('code', {}, endpoint.url) },
          { header: 'Description', cell: (endpoint) => endpoint.description || '—' },
          { header: 'Events', cell: (endpoint) => endpoint.eventTypes.join(', ') || 'all' },
          { header: 'Enabled', cell: (endpoint) => (endpoint.enabled ? 'yes' : 'no') },
          { header: 'Created', cell: (endpoint) => formatTime(endpoint.createdAt) },
        ],
        endpoints.data,
        'no endpoint is registered.',
      ),
      h('h2', {}, 'Deliveries'),
      dataTable(
        'Recent deliveries',
        [
          { header: 'Event', cell: (delivery) => delivery.eventType },
          {
            header: 'Endpoint',
            cell: (delivery) => h('code', {}, urls.get(delivery.endpointId) ?? delivery.endpointId),
          },
          {
            header: 'Status',
            cell: (delivery) => h('span', { class: `badge ${delivery.status}` }, delivery.status),
          },
          { header: 'Attempts', cell: (delivery) => delivery.attempts, numeric: true },
          {
            header: 'Last answer',
            cell: (delivery) => delivery.lastStatusCode ?? delivery.lastError ?? '—',
          },
          { header: 'Next attempt', cell: (delivery) => formatTime(delivery.nextAttemptAt) },
          {
            header: 'Action',
            cell: (delivery) =>
              actionButton(
                'Replay',
                async () => {
                  await request(
                    `/api/v1/webhooks/deliveries/${encodeURIComponent(delivery.id)}/replay`,
                    {
                      method: 'POST',
                    },
                  );
                  announce(`Delivery of ${delivery.eventType} sent again.`);
                  context.refresh();
                },
                { 'aria-label': `Replay delivery ${delivery.id}` },
              ),
          },
        ],
        deliveries.data,
        'nothing has been delivered yet.',
      ),
    );
  },
};
