// The event streams over HTTP (Server-Sent Events):
// - GET /api/v1/orders/{id}/events: one order's events, for its owner or
//   staff with orders:read:any (anyone else gets the 404 GET /orders/{id}
//   gives);
// - GET /api/v1/admin/events: every event, for staff with ops:read.
// Both resume after Last-Event-ID while the outbox still holds that
// position (JOBS_RETENTION_MS), and otherwise start with a `reset` event.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { bigintId } from '../../platform/sql/pg-values.ts';
import { ordersError } from '../orders/errors.ts';
import { ADMIN_CHANNEL, type ChannelAccess, type ChannelName } from './channels.ts';
import { realtimeError } from './errors.ts';
import { parsePosition, type Feed } from './feed.ts';
import type { RealtimeHub } from './hub.ts';
import { EVENT_STREAM, openEventStream, type StreamLimits } from './sse.ts';
import type { RealtimeStats } from './stats.ts';

export interface EventStreamDeps {
  readonly hub: RealtimeHub;
  readonly feed: Feed;
  readonly access: ChannelAccess;
  readonly limits: StreamLimits;
  readonly stats: RealtimeStats;
}

const resumeHeaders = z.object({
  'last-event-id': z
    .string()
    .max(64)
    .optional()
    .meta({ description: 'The `id` of the last event received: the stream resumes after it.' }),
});

const STREAM_DESCRIPTION =
  'A `text/event-stream`. Each event has `id` (its position), `event` (its type, e.g. `order.paid`) and `data`, one line of JSON: `{id, seq, type, aggregateId, data, occurredAt}`. A new stream starts with a `ready` event; a reconnect sending `Last-Event-ID` gets every event after that position, or a `reset` event when the position is older than the retention window (reload, then follow). Comment lines keep the connection alive; `retry` says how soon to reconnect. Protocol: docs/realtime.md.';

const streamResponse = {
  200: { description: 'The event stream', contentType: EVENT_STREAM, schema: z.string() },
};

export function registerEventStreamRoutes(app: App, deps: EventStreamDeps): void {
  const { hub, feed, limits, stats } = deps;

  const stream = async (
    c: Context,
    channel: ChannelName,
    lastEventId: string | undefined,
    orderId?: string,
  ) => {
    if (hub.draining) throw realtimeError('REALTIME_DRAINING');
    await hub.start();
    let resume: { after: string; resumable: boolean } | undefined;
    if (lastEventId !== undefined) {
      const after = parsePosition(lastEventId);
      resume =
        after === undefined
          ? { after: '0', resumable: false }
          : { after, resumable: await feed.resumable(after) };
    }
    openEventStream(c, { hub, limits, channel, resume, orderId, stats });
  };

  app.route({
    method: 'GET',
    path: '/api/v1/orders/:id/events',
    tags: ['orders'],
    permissions: ['orders:read:own'],
    operationId: 'streamOrderEvents',
    summary: "Follow an order's events",
    description: `Server-Sent Events for one order: placed, paid, shipped, cancelled, settled. Your own orders, or any with orders:read:any. ${STREAM_DESCRIPTION}`,
    errors: ['ORDERS_NOT_FOUND', 'REALTIME_DRAINING'],
    rateLimit: true,
    schema: {
      params: z.strictObject({ id: bigintId }),
      headers: resumeHeaders,
      responses: streamResponse,
    },
    handler: async (c) => {
      const orderId = c.input.params.id;
      const channel: ChannelName = `order:${orderId}`;
      const refused = await deps.access.check(c.identity!, channel);
      if (refused !== undefined) {
        throw ordersError('ORDERS_NOT_FOUND', { detail: `no order with id ${orderId}` });
      }
      await stream(c, channel, c.input.headers['last-event-id'], orderId);
    },
  });

  app.route({
    method: 'GET',
    path: '/api/v1/admin/events',
    tags: ['admin'],
    permissions: ['ops:read'],
    operationId: 'streamAllEvents',
    summary: 'Follow every event',
    description: `Server-Sent Events for every domain event the service records, internal ones included. ${STREAM_DESCRIPTION}`,
    errors: ['REALTIME_DRAINING'],
    schema: { headers: resumeHeaders, responses: streamResponse },
    handler: async (c) => {
      await stream(c, ADMIN_CHANNEL, c.input.headers['last-event-id']);
    },
  });
}
