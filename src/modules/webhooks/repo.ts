// Webhook persistence. Rows map to the wire shapes here; the sealed secrets
// leave only through `findSigningRow`, for the delivery job and rotation.

import { sql as raw, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  WebhooksDatabase,
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookDeliveryStatus,
  WebhookEndpointsTable,
} from './tables.ts';
import type { Delivery, DeliveryAttempt, Endpoint } from './schemas.ts';

type Db = Kysely<WebhooksDatabase> | Transaction<WebhooksDatabase>;

const ENDPOINT_COLUMNS = [
  'id',
  'url',
  'description',
  'event_types',
  'enabled',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
  'version',
] as const;

type EndpointRow = Pick<Selectable<WebhookEndpointsTable>, (typeof ENDPOINT_COLUMNS)[number]>;

function toEndpoint(row: EndpointRow, now: Date): Endpoint {
  const expires = row.previous_secret_expires_at;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    // An overlap that ended is no longer a rotation in progress.
    previousSecretExpiresAt:
      expires !== null && expires.getTime() > now.getTime() ? expires.toISOString() : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    version: row.version,
  };
}

/** The next endpoint id: the sealed secrets are bound to it before the row exists. */
export async function nextEndpointId(trx: Transaction<WebhooksDatabase>): Promise<string> {
  const result = await raw<{ id: string }>`
    select nextval(pg_get_serial_sequence('webhook_endpoints', 'id'))::text as id`.execute(trx);
  return result.rows[0]!.id;
}

export async function insertEndpoint(
  trx: Transaction<WebhooksDatabase>,
  values: {
    id: string;
    url: string;
    description: string;
    eventTypes: readonly string[];
    enabled: boolean;
    secretSealed: string;
    createdBy: string;
  },
  now: Date,
): Promise<Endpoint> {
  const row = await trx
    .insertInto('webhook_endpoints')
    .values({
      id: values.id,
      url: values.url,
      description: values.description,
      event_types: [...values.eventTypes],
      enabled: values.enabled,
      secret_sealed: values.secretSealed,
      previous_secret_sealed: null,
      previous_secret_expires_at: null,
      created_by: values.createdBy,
    })
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirstOrThrow();
  return toEndpoint(row, now);
}

export async function listEndpoints(db: Db, now: Date): Promise<Endpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(ENDPOINT_COLUMNS)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => toEndpoint(row, now));
}

export async function findEndpoint(db: Db, id: string, now: Date): Promise<Endpoint | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select(ENDPOINT_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toEndpoint(row, now);
}

export async function updateEndpoint(
  db: Db,
  id: string,
  changes: {
    url?: string | undefined;
    description?: string | undefined;
    eventTypes?: readonly string[] | undefined;
    enabled?: boolean | undefined;
  },
  now: Date,
): Promise<Endpoint | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.description === undefined ? {} : { description: changes.description }),
      ...(changes.eventTypes === undefined ? {} : { event_types: [...changes.eventTypes] }),
      ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
      updated_at: now,
      version: raw<number>`version + 1`,
    })
    .where('id', '=', id)
    .returning(ENDPOINT_COLUMNS)
    .executeTakeFirst();
  return row === undefined ? undefined : toEndpoint(row, now);
}

export async function deleteEndpoint(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** The sealed secrets, locked for a rotation when read in a transaction with `lock`. */
export async function findSigningRow(db: Db, id: string, options: { lock?: boolean } = {}) {
  let query = db
    .selectFrom('webhook_endpoints')
    .select([
      'id',
      'url',
      'enabled',
      'secret_sealed',
      'previous_secret_sealed',
      'previous_secret_expires_at',
    ])
    .where('id', '=', id);
  if (options.lock === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function storeRotation(
  trx: Transaction<WebhooksDatabase>,
  id: string,
  values: { secretSealed: string; previousSealed: string | null; previousExpiresAt: Date | null },
  now: Date,
): Promise<void> {
  await trx
    .updateTable('webhook_endpoints')
    .set({
      secret_sealed: values.secretSealed,
      previous_secret_sealed: values.previousSealed,
      previous_secret_expires_at: values.previousExpiresAt,
      updated_at: now,
      version: raw<number>`version + 1`,
    })
    .where('id', '=', id)
    .execute();
}

/** The enabled endpoints subscribed to `type`. */
export async function subscribedEndpointIds(db: Db, type: string): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('enabled', '=', true)
    .where(raw<boolean>`${type} = any(event_types)`)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

// ---- Deliveries ----

type DeliveryRow = Selectable<WebhookDeliveriesTable>;

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toAttempt(row: Selectable<WebhookDeliveryAttemptsTable>): DeliveryAttempt {
  return {
    attempt: row.attempt,
    startedAt: row.started_at.toISOString(),
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    outcome: row.outcome,
    error: row.error,
    responseSnippet: row.response_snippet,
  };
}

/** The new delivery's id, or undefined when this endpoint already has the event. */
export async function insertDelivery(
  trx: Transaction<WebhooksDatabase>,
  values: {
    endpointId: string;
    eventId: string;
    eventType: string;
    occurredAt: Date;
    payload: unknown;
  },
): Promise<string | undefined> {
  const row = await trx
    .insertInto('webhook_deliveries')
    .values({
      endpoint_id: values.endpointId,
      event_id: values.eventId,
      event_type: values.eventType,
      event_occurred_at: values.occurredAt,
      payload: JSON.stringify(values.payload),
    })
    .onConflict((conflict) => conflict.columns(['endpoint_id', 'event_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findDeliveryOf(db: Db, endpointId: string, eventId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'status', 'attempts', 'replays'])
    .where('endpoint_id', '=', endpointId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
}

export async function listDeliveries(
  db: Db,
  filter: {
    endpointId?: string | undefined;
    status?: WebhookDeliveryStatus | undefined;
    eventType?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<Delivery[]> {
  let query = db.selectFrom('webhook_deliveries').selectAll();
  if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map(toDelivery);
}

export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttempt[]> {
  const rows = await db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
  return rows.map(toAttempt);
}

/** Counts an attempt as started; resolves with its number (unique per delivery). */
export async function beginAttempt(db: Db, id: string, now: Date): Promise<number | undefined> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ attempts: raw<number>`attempts + 1`, updated_at: now })
    .where('id', '=', id)
    .returning('attempts')
    .executeTakeFirst();
  return row?.attempts;
}

export async function recordAttempt(
  trx: Transaction<WebhooksDatabase>,
  values: {
    deliveryId: string;
    attempt: number;
    startedAt: Date;
    durationMs: number;
    statusCode: number | null;
    outcome: 'response' | 'refused' | 'failed';
    error: string | null;
    responseSnippet: string | null;
  },
): Promise<void> {
  await trx
    .insertInto('webhook_delivery_attempts')
    .values({
      delivery_id: values.deliveryId,
      attempt: values.attempt,
      started_at: values.startedAt,
      duration_ms: values.durationMs,
      status_code: values.statusCode,
      outcome: values.outcome,
      error: values.error,
      response_snippet: values.responseSnippet,
    })
    .execute();
}

export async function setDeliveryState(
  db: Db,
  id: string,
  state: {
    status: WebhookDeliveryStatus;
    lastStatusCode?: number | null;
    lastError: string | null;
    nextAttemptAt: Date | null;
  },
  now: Date,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: state.status,
      ...(state.lastStatusCode === undefined ? {} : { last_status_code: state.lastStatusCode }),
      last_error: state.lastError,
      next_attempt_at: state.nextAttemptAt,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

/**
 * Starts a replay round: pending again, the round counter up. Only from
 * failed or dead (checked in the statement, so two replays at once make one
 * round); resolves with the new round, or undefined when it did not apply.
 */
export async function beginReplay(
  trx: Transaction<WebhooksDatabase>,
  id: string,
  now: Date,
): Promise<number | undefined> {
  const row = await trx
    .updateTable('webhook_deliveries')
    .set({
      status: 'pending',
      replays: raw<number>`replays + 1`,
      next_attempt_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'dead'])
    .returning('replays')
    .executeTakeFirst();
  return row?.replays;
}

/** How long finished deliveries stay in the log: what the dashboard can look back on. */
export const DELIVERY_LOG_RETENTION_MS = 30 * 24 * 3600_000;

/**
 * Removes finished deliveries (succeeded, failed, dead) last changed before
 * `before`, with their attempts; pending ones stay whatever their age.
 * Bounded batches, like platform/sql/delete-expired.ts. Resolves with how many.
 */
export async function pruneDeliveryLog(db: Db, before: Date, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await raw`
      delete from webhook_deliveries where id in (
        select id from webhook_deliveries
        where status <> 'pending' and updated_at < ${before}
        limit ${batch}
      )`.execute(db);
    const removed = Number(result.numAffectedRows ?? 0n);
    total += removed;
    if (removed < batch) return total;
  }
}
