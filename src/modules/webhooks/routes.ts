// Webhooks over HTTP: the endpoints the shop's integrations registered, and
// the delivery log. Everything needs `webhooks:manage` (admins only: an
// endpoint receives the events of every order). Responses are `no-store`:
// two of them carry a signing secret, and the log changes by the second.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/cache-control.ts';
import type { Context } from '../../http/context.ts';
import { actorOf } from '../auth/authenticate.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import {
  createdEndpoint,
  delivery,
  deliveryDetail,
  deliveriesQuery,
  deliveryPage,
  endpoint,
  endpointChange,
  endpointCreation,
  endpointList,
  rotatedSecret,
} from './schemas.ts';
import type { WebhooksService } from './service.ts';

const byId = z.strictObject({ id: bigintId });
const ENDPOINTS = '/api/v1/webhooks/endpoints';
const DELIVERIES = '/api/v1/webhooks/deliveries';

function noStore(c: Context): void {
  c.set('cache-control', cacheControl.noStore);
}

/** The list URL for these filters, with `before` when given. */
function deliveriesUrl(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  return `${DELIVERIES}?${params.toString()}`;
}

export function registerWebhooksRoutes(app: App, webhooks: WebhooksService): void {
  app.group(
    '/api/v1/webhooks',
    { tags: ['webhooks'], permissions: ['webhooks:manage'] },
    (group) => {
      group.route({
        method: 'POST',
        path: '/endpoints',
        summary: 'Register an endpoint (its signing secret is shown only in this response)',
        schema: {
          body: endpointCreation,
          responses: { 201: { description: 'Registered', schema: createdEndpoint } },
        },
        handler: async (c) => {
          const created = await webhooks.create(actorOf(c), c.input.body);
          noStore(c);
          c.created(`${ENDPOINTS}/${created.id}`, created);
        },
      });

      group.route({
        method: 'GET',
        path: '/endpoints',
        summary: 'The registered endpoints, newest first',
        schema: { responses: { 200: endpointList } },
        handler: async (c) => {
          noStore(c);
          return { data: await webhooks.list() };
        },
      });

      group.route({
        method: 'GET',
        path: '/endpoints/:id',
        summary: 'One endpoint',
        schema: { params: byId, responses: { 200: endpoint } },
        handler: async (c) => {
          noStore(c);
          return webhooks.get(c.input.params.id);
        },
      });

      group.route({
        method: 'PATCH',
        path: '/endpoints/:id',
        summary: 'Change an endpoint’s URL, event types, description or enabled flag',
        schema: { params: byId, body: endpointChange, responses: { 200: endpoint } },
        handler: async (c) => {
          noStore(c);
          return webhooks.update(actorOf(c), c.input.params.id, c.input.body);
        },
      });

      group.route({
        method: 'DELETE',
        path: '/endpoints/:id',
        summary: 'Delete an endpoint and its delivery log',
        schema: { params: byId, responses: { 204: { description: 'Deleted' } } },
        handler: async (c) => {
          await webhooks.remove(actorOf(c), c.input.params.id);
          c.noContent();
        },
      });

      group.route({
        method: 'POST',
        path: '/endpoints/:id/rotate-secret',
        summary:
          'Replace the signing secret (shown only in this response); the previous one keeps signing for the overlap',
        schema: { params: byId, responses: { 200: rotatedSecret } },
        handler: async (c) => {
          noStore(c);
          return webhooks.rotateSecret(actorOf(c), c.input.params.id);
        },
      });

      group.route({
        method: 'GET',
        path: '/deliveries',
        summary: 'The delivery log, newest first (filter by endpoint, status, event type)',
        schema: { query: deliveriesQuery, responses: { 200: deliveryPage } },
        handler: async (c) => {
          const { limit, before, ...filters } = c.input.query;
          const page = await webhooks.deliveries({ ...filters, before, limit: limit + 1 });
          const hasMore = page.length > limit;
          const data = page.slice(0, limit);
          noStore(c);
          return {
            data,
            meta: { limit, hasMore },
            links: {
              self: deliveriesUrl({ ...filters, limit, before }),
              next: hasMore ? deliveriesUrl({ ...filters, limit, before: data.at(-1)!.id }) : null,
            },
          };
        },
      });

      group.route({
        method: 'GET',
        path: '/deliveries/:id',
        summary: 'One delivery with every attempt at it',
        schema: { params: byId, responses: { 200: deliveryDetail } },
        handler: async (c) => {
          noStore(c);
          return webhooks.delivery(c.input.params.id);
        },
      });

      group.route({
        method: 'POST',
        path: '/deliveries/:id/replay',
        summary: 'Send a failed or dead delivery again, with a fresh retry schedule',
        schema: {
          params: byId,
          responses: { 202: { description: 'Queued again', schema: delivery } },
        },
        handler: async (c) => {
          const replayed = await webhooks.replay(actorOf(c), c.input.params.id);
          noStore(c);
          c.json(replayed, 202);
        },
      });
    },
  );
}
