// Webhook use cases: the shop's endpoints (create, read, change, delete,
// rotate the signing secret) and the delivery log (list, read, replay).
// Every route needs `webhooks:manage` (admins): endpoints are shop-wide.
//
// Secrets: generated here, sealed with the data key (bound to the endpoint's
// id) before they touch the database, and returned exactly once — in the
// response that created them. Rotation keeps the outgoing secret signing for
// the configured overlap, so receivers can switch at their own pace.

import type { WebhooksDatabase } from './tables.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { Actor } from '../users/service.ts';
import { deliveryJobOptions, secretContext } from './delivery.ts';
import { webhooksError } from './errors.ts';
import { withDeliveryJobs, type DeliveryQueue } from './jobs.ts';
import {
  beginReplay,
  deleteEndpoint,
  findDelivery,
  findEndpoint,
  findSigningRow,
  insertEndpoint,
  listAttempts,
  listDeliveries,
  listEndpoints,
  nextEndpointId,
  storeRotation,
  toDelivery,
  updateEndpoint,
} from './repo.ts';
import type {
  CreatedEndpoint,
  DeliveriesQuery,
  Delivery,
  DeliveryDetail,
  Endpoint,
  EndpointChange,
  EndpointCreation,
  RotatedSecret,
} from './schemas.ts';
import { generateWebhookSecret } from './signing.ts';
import type { Resolver } from './ssrf-guard.ts';
import { checkEndpointUrl } from './url-policy.ts';

export interface WebhookSettings {
  readonly retrySchedule: readonly number[];
  readonly secretOverlapSeconds: number;
  readonly allowHttp: boolean;
  readonly allowHosts: readonly string[];
}

export interface WebhooksService {
  create(actor: Actor, input: EndpointCreation): Promise<CreatedEndpoint>;
  list(): Promise<Endpoint[]>;
  get(id: string): Promise<Endpoint>;
  update(actor: Actor, id: string, change: EndpointChange): Promise<Endpoint>;
  remove(actor: Actor, id: string): Promise<void>;
  rotateSecret(actor: Actor, id: string): Promise<RotatedSecret>;
  /** Newest first; ask for one more than a page to see if more exist. */
  deliveries(query: Omit<DeliveriesQuery, 'limit'> & { limit: number }): Promise<Delivery[]>;
  delivery(id: string): Promise<DeliveryDetail>;
  /** A failed or dead delivery goes round again with a full retry schedule. */
  replay(actor: Actor, id: string): Promise<Delivery>;
}

export interface WebhooksServiceDeps {
  readonly sql: SqlDatabase<WebhooksDatabase>;
  readonly box: SecretBox;
  readonly audit: AuditSink;
  readonly queue: DeliveryQueue;
  readonly settings: WebhookSettings;
  readonly clock?: () => Date;
  readonly resolve?: Resolver;
}

export function createWebhooksService(deps: WebhooksServiceDeps): WebhooksService {
  const { sql, box, audit, queue, settings } = deps;
  const now = deps.clock ?? (() => new Date());
  const policy = {
    allowHttp: settings.allowHttp,
    allowHosts: settings.allowHosts,
    ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
  };

  const endpointNotFound = (id: string) =>
    webhooksError('WEBHOOKS_ENDPOINT_NOT_FOUND', { detail: `no webhook endpoint with id ${id}` });
  const deliveryNotFound = (id: string) =>
    webhooksError('WEBHOOKS_DELIVERY_NOT_FOUND', { detail: `no webhook delivery with id ${id}` });

  const record = (actor: Actor, action: string, targetId: string, details?: object) =>
    audit.record({
      action: `admin.webhook_${action}`,
      outcome: 'success',
      actorId: actor.id,
      actorIp: actor.ip,
      targetType: 'webhook_endpoint',
      targetId,
      ...(details === undefined ? {} : { details: { ...details } }),
    });

  return {
    async create(actor, input) {
      const url = await checkEndpointUrl(input.url, policy);
      const secret = generateWebhookSecret();
      const endpoint = await sql.withTransaction(async (trx) => {
        const id = await nextEndpointId(trx);
        return insertEndpoint(
          trx,
          {
            id,
            url,
            description: input.description,
            eventTypes: input.eventTypes,
            enabled: input.enabled,
            secretSealed: box.seal(secret, secretContext(id)),
            createdBy: actor.id,
          },
          now(),
        );
      });
      await record(actor, 'endpoint_created', endpoint.id, {
        url,
        eventTypes: input.eventTypes,
      });
      return { ...endpoint, secret };
    },

    list: () => listEndpoints(sql.db, now()),

    async get(id) {
      const found = await findEndpoint(sql.db, id, now());
      if (found === undefined) throw endpointNotFound(id);
      return found;
    },

    async update(actor, id, change) {
      const url = change.url === undefined ? undefined : await checkEndpointUrl(change.url, policy);
      const updated = await updateEndpoint(sql.db, id, { ...change, url }, now());
      if (updated === undefined) throw endpointNotFound(id);
      await record(actor, 'endpoint_updated', id, { changed: Object.keys(change) });
      return updated;
    },

    async remove(actor, id) {
      if (!(await deleteEndpoint(sql.db, id))) throw endpointNotFound(id);
      await record(actor, 'endpoint_deleted', id);
    },

    async rotateSecret(actor, id) {
      const secret = generateWebhookSecret();
      const at = now();
      const overlapMs = settings.secretOverlapSeconds * 1000;
      const previousExpiresAt = overlapMs > 0 ? new Date(at.getTime() + overlapMs) : null;
      await sql.withTransaction(async (trx) => {
        const row = await findSigningRow(trx, id, { lock: true });
        if (row === undefined) throw endpointNotFound(id);
        await storeRotation(
          trx,
          id,
          {
            secretSealed: box.seal(secret, secretContext(id)),
            // The outgoing secret, still sealed: it never needs opening here.
            previousSealed: previousExpiresAt === null ? null : row.secret_sealed,
            previousExpiresAt,
          },
          at,
        );
      });
      await record(actor, 'secret_rotated', id, {
        previousSecretExpiresAt: previousExpiresAt?.toISOString() ?? null,
      });
      return {
        endpointId: id,
        secret,
        previousSecretExpiresAt: previousExpiresAt?.toISOString() ?? null,
      };
    },

    deliveries: (query) => listDeliveries(sql.db, query),

    async delivery(id) {
      const row = await findDelivery(sql.db, id);
      if (row === undefined) throw deliveryNotFound(id);
      return { ...toDelivery(row), attemptLog: await listAttempts(sql.db, id) };
    },

    async replay(actor, id) {
      const replayed = await withDeliveryJobs(sql, queue, async (trx, schedule) => {
        const round = await beginReplay(trx, id, now());
        if (round === undefined) {
          const row = await findDelivery(trx, id);
          if (row === undefined) throw deliveryNotFound(id);
          throw webhooksError('WEBHOOKS_NOT_REPLAYABLE', {
            detail: `the delivery is ${row.status}; only failed or dead deliveries are replayed`,
          });
        }
        // A fresh key: the first job's record keeps the delivery's own id.
        await schedule(
          { deliveryId: id, round },
          deliveryJobOptions(settings, `${id}:replay:${round}`),
        );
        return (await findDelivery(trx, id))!;
      });
      await record(actor, 'delivery_replayed', replayed.endpoint_id, { deliveryId: id });
      return toDelivery(replayed);
    },
  };
}
