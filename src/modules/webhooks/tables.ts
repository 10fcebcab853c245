// The webhook tables, as Kysely sees them (migrations/ creates them).
// Columns follow the database (snake_case); repositories map rows to the
// domain's camelCase shapes.

import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Id, Ref, UpdatedAt } from '../../platform/sql/columns.ts';
import type { EventsTables } from '../events/tables.ts';

/** Outbound webhook endpoints (modules/webhooks/, migrations/0014_webhooks.sql). */
export interface WebhookEndpointsTable {
  /** Chosen before the insert: the sealed secrets are bound to it. */
  id: ColumnType<string, string, never>;
  url: string;
  description: Generated<string>;
  event_types: string[];
  enabled: Generated<boolean>;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: Date | null;
  created_by: Ref | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  version: ColumnType<number, never, number>;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'dead';

export interface WebhookDeliveriesTable {
  id: Id;
  endpoint_id: ColumnType<string, string, never>;
  event_id: ColumnType<string, string, never>;
  event_type: ColumnType<string, string, never>;
  event_occurred_at: ColumnType<Date, Date, never>;
  /** jsonb: written as JSON text. */
  payload: ColumnType<unknown, string, never>;
  status: Generated<WebhookDeliveryStatus>;
  attempts: Generated<number>;
  replays: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookDeliveryAttemptsTable {
  id: Id;
  delivery_id: ColumnType<string, string, never>;
  attempt: ColumnType<number, number, never>;
  started_at: ColumnType<Date, Date, never>;
  duration_ms: ColumnType<number, number, never>;
  status_code: ColumnType<number | null, number | null, never>;
  outcome: ColumnType<'response' | 'refused' | 'failed', 'response' | 'refused' | 'failed', never>;
  error: ColumnType<string | null, string | null, never>;
  response_snippet: ColumnType<string | null, string | null, never>;
}

/** The tables this code owns, as Kysely sees them. */
export type WebhooksTables = {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
};

/**
 * Every table webhooks code reads or writes: its own, and those of the
 * modules it calls within one transaction.
 */
export interface WebhooksDatabase extends WebhooksTables, EventsTables {}
