// Webhooks on the wire. An endpoint's signing secret appears in exactly two
// responses — its creation's and a rotation's — and nowhere else. Ids travel
// as strings, timestamps as ISO-8601 UTC.

import { z } from 'zod';
import { atLeastOneMember, uniqueItems } from '../../http/request/input-rules.ts';
import { PUBLIC_EVENT_TYPES, type EventType } from '../events/outbox.ts';
import { bigintId, pgText } from '../../platform/sql/pg-values.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'dead'] as const;

export const eventType = z
  .enum(PUBLIC_EVENT_TYPES as [EventType, ...EventType[]])
  .meta({ description: 'A domain event type', example: 'order.paid' });

const eventTypes = uniqueItems(z.array(eventType).min(1), 'must not list an event type twice');

const url = pgText().trim().min(1).max(2048).meta({
  description: 'https URL that receives the POSTs; must not point at a private address',
  example: 'https://hooks.example.com/throughline',
});

const description = pgText().trim().max(500);

export const endpointCreation = z
  .strictObject({
    url,
    eventTypes,
    description: description.default(''),
    enabled: z.boolean().default(true),
  })
  .meta({
    id: 'WebhookEndpointCreation',
    examples: [{ url: 'https://hooks.example.com/throughline', eventTypes: ['order.paid'] }],
  });

export type EndpointCreation = z.infer<typeof endpointCreation>;

export const endpointChange = atLeastOneMember(
  z.strictObject({
    url: url.optional(),
    eventTypes: eventTypes.optional(),
    description: description.optional(),
    enabled: z.boolean().optional(),
  }),
).meta({
  id: 'WebhookEndpointChange',
  description: 'Members left out stay as they are; at least one must be sent',
  example: { description: 'Fulfilment: paid orders only', enabled: false },
});

export type EndpointChange = z.infer<typeof endpointChange>;

const EXAMPLE_ENDPOINT = {
  id: '5',
  url: 'https://hooks.example.com/throughline',
  description: 'Fulfilment',
  eventTypes: ['order.paid', 'order.shipped'],
  enabled: true,
  previousSecretExpiresAt: null,
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
  version: 1,
};

export const endpoint = z
  .strictObject({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    previousSecretExpiresAt: z.iso.datetime().nullable().meta({
      description: 'Set during a rotation: until then deliveries carry a second signature',
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .meta({ id: 'WebhookEndpoint', example: EXAMPLE_ENDPOINT });

export type Endpoint = z.infer<typeof endpoint>;

const secret = z.string().meta({
  description: 'The signing secret (whsec_…). Shown only in this response: store it now',
});

export const createdEndpoint = endpoint.extend({ secret }).meta({
  id: 'CreatedWebhookEndpoint',
  // secret-scan: example (a made-up value for the API document)
  example: { ...EXAMPLE_ENDPOINT, secret: 'whsec_Zq3d8VnR1yT6kLp0HsW4cXb7MfJ2uA9e' },
});

export type CreatedEndpoint = z.infer<typeof createdEndpoint>;

export const rotatedSecret = z
  .strictObject({
    endpointId: z.string(),
    secret,
    previousSecretExpiresAt: z.iso.datetime().nullable().meta({
      description: 'Until then the previous secret signs too; null when the overlap is 0',
    }),
  })
  .meta({
    id: 'RotatedWebhookSecret',
    example: {
      endpointId: '5',
      // secret-scan: example (a made-up value for the API document)
      secret: 'whsec_grt-rqQFT6uQqIJgXwv4WeTjFdL1UHSn',
      previousSecretExpiresAt: '2026-12-08T10:00:00.000Z',
    },
  });

export type RotatedSecret = z.infer<typeof rotatedSecret>;

export const endpointList = z.strictObject({ data: z.array(endpoint) }).meta({
  example: {
    data: [
      EXAMPLE_ENDPOINT,
      {
        id: '2',
        url: 'https://erp.example.net/webhooks/throughline',
        description: 'Stock sync',
        eventTypes: ['product.updated'],
        enabled: false,
        previousSecretExpiresAt: null,
        createdAt: '2026-10-12T14:30:00.000Z',
        updatedAt: '2026-11-02T08:10:00.000Z',
        version: 3,
      },
    ],
  },
});

/** For the document's examples: a delivery that failed once and waits for its retry. */
const EXAMPLE_DELIVERY = {
  id: '812',
  endpointId: '5',
  eventId: 'b140c564-5a01-48cd-95f5-87414413c4a0',
  eventType: 'order.paid',
  status: 'failed',
  attempts: 1,
  lastStatusCode: 503,
  lastError: 'the endpoint answered 503',
  nextAttemptAt: '2026-12-07T10:01:05.000Z',
  createdAt: '2026-12-07T10:00:00.000Z',
  updatedAt: '2026-12-07T10:00:05.000Z',
};

export const delivery = z
  .strictObject({
    id: z.string(),
    endpointId: z.string(),
    eventId: z
      .string()
      .meta({ description: 'Also the webhook-id header: the same on every attempt' }),
    eventType: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookDelivery', example: EXAMPLE_DELIVERY });

export type Delivery = z.infer<typeof delivery>;

export const deliveryAttempt = z
  .strictObject({
    attempt: z.number().int(),
    startedAt: z.iso.datetime(),
    durationMs: z.number().int(),
    statusCode: z.number().int().nullable(),
    outcome: z.enum(['response', 'refused', 'failed']),
    error: z.string().nullable(),
    responseSnippet: z.string().nullable(),
  })
  .meta({
    id: 'WebhookDeliveryAttempt',
    example: {
      attempt: 1,
      startedAt: '2026-12-07T10:00:04.872Z',
      durationMs: 131,
      statusCode: 503,
      outcome: 'response',
      error: 'the endpoint answered 503',
      responseSnippet: '{"error":"maintenance"}',
    },
  });

export type DeliveryAttempt = z.infer<typeof deliveryAttempt>;

export const deliveryDetail = delivery.extend({ attemptLog: z.array(deliveryAttempt) }).meta({
  id: 'WebhookDeliveryDetail',
  example: {
    ...EXAMPLE_DELIVERY,
    attemptLog: [
      {
        attempt: 1,
        startedAt: '2026-12-07T10:00:04.872Z',
        durationMs: 131,
        statusCode: 503,
        outcome: 'response',
        error: 'the endpoint answered 503',
        responseSnippet: '{"error":"maintenance"}',
      },
    ],
  },
});

export type DeliveryDetail = z.infer<typeof deliveryDetail>;

export const deliveriesQuery = z.strictObject({
  endpointId: bigintId.optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  eventType: eventType.optional(),
  limit: queryInteger(1, 100).default(20),
  before: bigintId.optional().meta({ description: 'Keyset cursor: deliveries older than this id' }),
});

export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;

export const deliveryPage = z
  .strictObject({
    data: z.array(delivery),
    meta: z.strictObject({ limit: z.number().int(), hasMore: z.boolean() }),
    links: z.strictObject({ self: z.string(), next: z.string().nullable() }),
  })
  .meta({
    example: {
      data: [
        EXAMPLE_DELIVERY,
        {
          id: '809',
          endpointId: '5',
          eventId: '15167710-e517-4bff-9fd0-42cfce6baf8b',
          eventType: 'order.shipped',
          status: 'succeeded',
          attempts: 1,
          lastStatusCode: 200,
          lastError: null,
          nextAttemptAt: null,
          createdAt: '2026-12-07T09:41:00.000Z',
          updatedAt: '2026-12-07T09:41:01.000Z',
        },
      ],
      meta: { limit: 2, hasMore: true },
      links: {
        self: '/api/v1/webhooks/deliveries?endpointId=5&limit=2',
        next: '/api/v1/webhooks/deliveries?endpointId=5&limit=2&before=809',
      },
    },
  });

/** For the document's examples: the failed delivery, queued again by a replay. */
export const EXAMPLE_REPLAYED_DELIVERY = {
  ...EXAMPLE_DELIVERY,
  status: 'pending',
  nextAttemptAt: '2026-12-07T11:30:00.000Z',
  updatedAt: '2026-12-07T11:30:00.000Z',
};
