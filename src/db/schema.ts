// Table shapes as Kysely sees them: what a select returns and what an insert
// or update may set. Columns follow the database (snake_case); repositories
// map rows to the domain's camelCase shapes. int8 columns come back as
// strings and timestamptz as Date (see platform/sql/type-parsers.ts).

import type { ColumnType, Generated } from 'kysely';

type Id = ColumnType<string, never, never>;
type CreatedAt = ColumnType<Date, never, never>;
type UpdatedAt = ColumnType<Date, never, Date>;
/** A bigint foreign key: read as string, written as string. */
type Ref = string;

export interface UsersTable {
  id: Id;
  email: string;
  password_hash: string;
  role: Generated<'admin' | 'editor' | 'customer'>;
  display_name: Generated<string>;
  email_verified_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  deleted_at: Date | null;
}

export interface RefreshTokensTable {
  id: Id;
  family_id: string;
  user_id: Ref;
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  last_failure_at: Date;
  locked_until: Date | null;
}

export interface SessionsTable {
  id: string;
  user_id: Ref;
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  id: Id;
  user_id: Ref;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface UserMfaTable {
  user_id: Ref;
  secret_ciphertext: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  confirmed_at: Date | null;
  /** int8: read as string. */
  last_used_step: ColumnType<string | null, number | null, number | null>;
}

export interface MfaRecoveryCodesTable {
  id: Id;
  user_id: Ref;
  code_hash: string;
  used_at: Date | null;
}

export interface MfaChallengesTable {
  token_hash: string;
  user_id: Ref;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  attempts: Generated<number>;
  used_at: Date | null;
}

export interface UserTokensTable {
  id: Id;
  user_id: Ref;
  purpose: 'verify_email' | 'reset_password';
  token_hash: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
  used_at: Date | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  /** jsonb: written as JSON text. */
  headers: ColumnType<Record<string, string>, string, string>;
  body: ColumnType<unknown, string | null, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
}

/** The job queue (src/adapters/queue/postgres.ts, migrations/0010_jobs.sql). */
export interface JobsTable {
  id: Id;
  queue: string;
  /** jsonb: written as JSON text. */
  payload: ColumnType<unknown, string, never>;
  /** `waiting`: a flow's parent whose children have not all completed (0012_job_flows.sql). */
  state: Generated<'waiting' | 'pending' | 'running' | 'completed' | 'dead'>;
  run_at: ColumnType<Date, Date | undefined, Date>;
  attempts: Generated<number>;
  max_attempts: number;
  /** jsonb { baseMs, maxMs, jitter, delaysMs? }: written as JSON text. */
  backoff: ColumnType<unknown, string, never>;
  idempotency_key: string | null;
  lease_token: string | null;
  lease_until: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  /** The flow parent this job is a child of (int8 as text). */
  parent_id: ColumnType<string | null, string | null | undefined, never>;
  /** How many of a waiting parent's children have not completed yet. */
  pending_children: Generated<number>;
}

/** Sign-outs not yet carried out in the session store (migrations/0017_session_revocations.sql). */
export interface SessionRevocationsTable {
  id: Generated<string>;
  user_id: string;
  revoke_at: Date;
  except_session_id: string | null;
  created_at: Generated<Date>;
}

/** Addresses no mail goes to (src/modules/mail/, migrations/0015_mail_suppressions.sql). */
export interface MailSuppressionsTable {
  id: Generated<string>;
  /** Trimmed and lower-cased. */
  address: string;
  reason: 'hard_bounce' | 'complaint' | 'manual' | 'soft_bounce_limit';
  detail: Generated<string>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Recent soft bounces, one per provider event (migrations/0015_mail_suppressions.sql). */
export interface MailSoftBouncesTable {
  event_id: string;
  address: string;
  bounced_at: Date;
}

/** Domain events waiting for the relay (src/modules/events/, migrations/0011_outbox.sql). */
export interface OutboxTable {
  id: Generated<string>;
  type: string;
  aggregate_id: string;
  /** jsonb: written as JSON text. */
  payload: ColumnType<unknown, string, never>;
  occurred_at: ColumnType<Date, Date | undefined, never>;
  relayed_at: Date | null;
}

/** Leases of distributed locks (src/adapters/lock/postgres.ts). */
export interface LocksTable {
  name: string;
  token: string;
  expires_at: Date;
}

export interface OrderStatusHistoryTable {
  id: Id;
  order_id: Ref;
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  actor_id: Ref | null;
  changed_at: ColumnType<Date, Date | undefined, never>;
}

export interface CategoriesTable {
  id: Id;
  slug: string;
  name: string;
}

export interface BrandsTable {
  id: Id;
  slug: string;
  name: string;
}

export interface ProductsTable {
  id: Id;
  sku: string;
  title: string;
  description: Generated<string>;
  brand_id: Ref;
  category_id: Ref;
  tags: Generated<string[]>;
  price_amount: number;
  currency: string;
  stock: number;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  search: ColumnType<string, never, never>;
}

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'delivered' | 'cancelled';

export interface OrdersTable {
  id: Id;
  user_id: Ref;
  status: Generated<OrderStatus>;
  total_amount: number;
  currency: string;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Set by the order-complete flow (migrations/0016_payment_capture.sql). */
  settled_at: ColumnType<Date | null, never, Date | null>;
}

/** The warehouse's pick list, one per order (modules/inventory/). */
export interface OrderFulfilmentsTable {
  order_id: ColumnType<string, string, never>;
  /** jsonb: written as JSON text. */
  pick_list: ColumnType<unknown, string, never>;
  allocated_at: ColumnType<Date, never, never>;
}

export interface OrderItemsTable {
  order_id: Ref;
  product_id: Ref;
  quantity: number;
  unit_amount: number;
}

export interface CurrenciesTable {
  code: string;
}

export type WalletKind = 'user' | 'merchant' | 'funding' | 'escrow';
export type TransferKind = 'transfer' | 'order_payment' | 'order_capture' | 'refund' | 'credit';

/** int8 minor units: read as string, written as string or number. */
type Amount = ColumnType<string, string | number, never>;

export interface WalletsTable {
  id: Id;
  kind: WalletKind;
  /** Set exactly for `user` wallets. */
  user_id: Ref | null;
  currency: string;
  /** int8: read as string; changed only by moving money (modules/payments/ledger.ts). */
  balance: ColumnType<string, string | number | undefined, string | number>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** Append-only, like ledger_entries: a trigger refuses UPDATE, DELETE and TRUNCATE. */
export interface TransfersTable {
  id: Id;
  kind: ColumnType<TransferKind, TransferKind, never>;
  from_wallet_id: ColumnType<string, string, never>;
  to_wallet_id: ColumnType<string, string, never>;
  amount: Amount;
  currency: ColumnType<string, string, never>;
  order_id: ColumnType<string | null, string | null | undefined, never>;
  initiated_by: ColumnType<string | null, string | null | undefined, never>;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface LedgerEntriesTable {
  id: Id;
  transfer_id: ColumnType<string, string, never>;
  wallet_id: ColumnType<string, string, never>;
  /** Signed: negative debits the wallet, positive credits it. */
  amount: Amount;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/**
 * Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), so nothing is
 * updatable; rows are written by modules/audit/repo.ts with raw SQL because
 * the id is chosen before the insert (`overriding system value`).
 */
export interface AuditLogTable {
  id: ColumnType<string, string, never>;
  occurred_at: ColumnType<Date, Date, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  actor_ip: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  target_type: ColumnType<string | null, string | null, never>;
  target_id: ColumnType<string | null, string | null, never>;
  outcome: ColumnType<'success' | 'failure' | 'denied', 'success' | 'failure' | 'denied', never>;
  /** jsonb, always an object; written as JSON text. */
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

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

export interface Database {
  users: UsersTable;
  categories: CategoriesTable;
  brands: BrandsTable;
  products: ProductsTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  refresh_tokens: RefreshTokensTable;
  login_throttle: LoginThrottleTable;
  audit_log: AuditLogTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  user_mfa: UserMfaTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  user_tokens: UserTokensTable;
  currencies: CurrenciesTable;
  wallets: WalletsTable;
  transfers: TransfersTable;
  ledger_entries: LedgerEntriesTable;
  idempotency_keys: IdempotencyKeysTable;
  order_status_history: OrderStatusHistoryTable;
  jobs: JobsTable;
  outbox: OutboxTable;
  mail_suppressions: MailSuppressionsTable;
  mail_soft_bounces: MailSoftBouncesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  order_fulfilments: OrderFulfilmentsTable;
  session_revocations: SessionRevocationsTable;
  locks: LocksTable;
}
