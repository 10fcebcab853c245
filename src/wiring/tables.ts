// The whole database as Kysely sees it, composed from the tables each owner
// declares beside its code (modules/<m>/tables.ts, the queue and lock
// adapters, the idempotency keys). Only the composition root and tests use
// it: a module types its queries with its own view, so no module knows
// every table.

import type { LockTables } from '../adapters/lock/postgres.ts';
import type { QueueTables } from '../adapters/queue/tables.ts';
import type { ApiKeysTables } from '../modules/api-keys/tables.ts';
import type { AuditTables } from '../modules/audit/tables.ts';
import type { AuthTables } from '../modules/auth/tables.ts';
import type { CatalogTables } from '../modules/catalog/tables.ts';
import type { EventsTables } from '../modules/events/tables.ts';
import type { FlagsTables } from '../modules/flags/tables.ts';
import type { InventoryTables } from '../modules/inventory/tables.ts';
import type { MailTables } from '../modules/mail/tables.ts';
import type { OrdersTables } from '../modules/orders/tables.ts';
import type { PaymentsTables } from '../modules/payments/tables.ts';
import type { ProductImagesTables } from '../modules/product-images/tables.ts';
import type { SearchTables } from '../modules/search/tables.ts';
import type { UsersTables } from '../modules/users/tables.ts';
import type { WebhooksTables } from '../modules/webhooks/tables.ts';
import type { IdempotencyTables } from '../platform/sql/idempotency.ts';

export interface Database
  extends
    UsersTables,
    AuthTables,
    ApiKeysTables,
    CatalogTables,
    ProductImagesTables,
    SearchTables,
    OrdersTables,
    InventoryTables,
    PaymentsTables,
    AuditTables,
    MailTables,
    EventsTables,
    WebhooksTables,
    FlagsTables,
    IdempotencyTables,
    QueueTables,
    LockTables {}
