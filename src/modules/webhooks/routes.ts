// Webhooks over HTTP: the endpoints the shop's integrations registered, and
// the delivery log. Everything needs `webhooks:manage` (admins only: an
// endpoint receives the events of every order). Responses are `no-store`:
// two of them carry a signing secret, and the log changes by the second.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
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
  EXAMPLE_REPLAYED_DELIVERY,
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
    { tags: ['webhooks'], permissions: ['webhooks:manage'], errors: DATABASE_ERRORS },
    (group) => {
      group.route({
        method: 'POST',
        path: '/endpoints',
        operationId: 'createWebhookEndpoint',
        summary: 'Register a webhook endpoint',
        description:
          'The endpoint receives the event types it subscribes to as signed POST requests (Standard Webhooks). Its signing secret is in this response only: store it now. The URL must use https and must not point at a private or loopback address (422 WEBHOOKS_URL_FORBIDDEN says why).',
        errors: ['WEBHOOKS_URL_FORBIDDEN'],
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
        operationId: 'listWebhookEndpoints',
        summary: 'List webhook endpoints',
        description: 'Every registered endpoint, newest first, without its secret.',
        schema: { responses: { 200: endpointList } },
        handler: async (c) => {
          noStore(c);
          return { data: await webhooks.list() };
        },
      });

      group.route({
        method: 'GET',
        path: '/endpoints/:id',
        operationId: 'getWebhookEndpoint',
        summary: 'Read a webhook endpoint',
        description: 'One endpoint, without its secret.',
        errors: ['WEBHOOKS_ENDPOINT_NOT_FOUND'],
        schema: { params: byId, responses: { 200: endpoint } },
        handler: async (c) => {
          noStore(c);
          return webhooks.get(c.input.params.id);
        },
      });

      group.route({
        method: 'PATCH',
        path: '/endpoints/:id',
        operationId: 'updateWebhookEndpoint',
        summary: 'Change a webhook endpoint',
        description:
          'Changes the members sent (URL, event types, description, enabled) and leaves the others. A new URL is checked as on registration. A disabled endpoint receives nothing until enabled again.',
        errors: ['WEBHOOKS_ENDPOINT_NOT_FOUND', 'WEBHOOKS_URL_FORBIDDEN'],
        schema: { params: byId, body: endpointChange, responses: { 200: endpoint } },
        handler: async (c) => {
          noStore(c);
          return webhooks.update(actorOf(c), c.input.params.id, c.input.body);
        },
      });

      group.route({
        method: 'DELETE',
        path: '/endpoints/:id',
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint',
        description: 'Deletes the endpoint and its delivery log; it receives nothing more.',
        errors: ['WEBHOOKS_ENDPOINT_NOT_FOUND'],
        schema: { params: byId, responses: { 204: { description: 'Deleted' } } },
        handler: async (c) => {
          await webhooks.remove(actorOf(c), c.input.params.id);
          c.noContent();
        },
      });

      group.route({
        method: 'POST',
        path: '/endpoints/:id/rotate-secret',
        operationId: 'rotateWebhookSecret',
        summary: 'Rotate a webhook signing secret',
        description:
          'A new signing secret, in this response only. For the overlap given in `previousSecretExpiresAt`, deliveries are signed with both secrets, so the receiver can switch without missing any.',
        errors: ['WEBHOOKS_ENDPOINT_NOT_FOUND'],
        schema: { params: byId, responses: { 200: rotatedSecret } },
        handler: async (c) => {
          noStore(c);
          return webhooks.rotateSecret(actorOf(c), c.input.params.id);
        },
      });

      group.route({
        method: 'GET',
        path: '/deliveries',
        operationId: 'listWebhookDeliveries',
        summary: 'List webhook deliveries',
        description:
          'Every delivery of every endpoint, newest first, filtered by endpoint, status or event type, paged with `before` (follow links.next).',
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
        operationId: 'getWebhookDelivery',
        summary: 'Read a webhook delivery',
        description:
          'One delivery with every attempt at it: when, how long it took, and the response status and the start of the response body, or the error.',
        errors: ['WEBHOOKS_DELIVERY_NOT_FOUND'],
        schema: { params: byId, responses: { 200: deliveryDetail } },
        handler: async (c) => {
          noStore(c);
          return webhooks.delivery(c.input.params.id);
        },
      });

      group.route({
        method: 'POST',
        path: '/deliveries/:id/replay',
        operationId: 'replayWebhookDelivery',
        summary: 'Replay a webhook delivery',
        description:
          'Queues a failed or dead delivery again with a fresh retry schedule, for after the receiver was fixed. Audited. A delivery that is pending or succeeded is 409 WEBHOOKS_NOT_REPLAYABLE.',
        errors: ['WEBHOOKS_DELIVERY_NOT_FOUND', 'WEBHOOKS_NOT_REPLAYABLE'],
        schema: {
          params: byId,
          responses: {
            202: {
              description: 'Queued again',
              schema: delivery.meta({ example: EXAMPLE_REPLAYED_DELIVERY }),
            },
          },
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
