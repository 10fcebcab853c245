// Every error registry in the service, in one list: the docs test checks that
// docs/errors.md documents exactly these codes with these statuses, and new
// modules add their registry here.

import { idempotencyErrors } from '../platform/sql/idempotency.ts';
import { httpErrors } from '../http/errors.ts';
import type { ErrorRegistry } from '../errors/index.ts';
import { apiKeysErrors } from '../modules/api-keys/errors.ts';
import { accountErrors } from '../modules/auth/account-errors.ts';
import { authErrors } from '../modules/auth/errors.ts';
import { tokenErrors } from '../modules/auth/tokens/token-errors.ts';
import { catalogErrors } from '../modules/catalog/errors.ts';
import { opsErrors } from '../modules/ops/errors.ts';
import { ordersErrors } from '../modules/orders/errors.ts';
import { paymentsErrors } from '../modules/payments/errors.ts';
import { usersErrors } from '../modules/users/errors.ts';
import { webhooksErrors } from '../modules/webhooks/errors.ts';
import { mailErrors } from '../modules/mail/errors.ts';
import { sqlErrors } from '../platform/sql/sql-errors.ts';
import { redisErrors } from '../adapters/redis/errors.ts';

export const errorCatalog: readonly {
  readonly module: string;
  readonly registry: ErrorRegistry;
}[] = [
  { module: 'http', registry: httpErrors },
  { module: 'sql', registry: sqlErrors },
  { module: 'redis', registry: redisErrors },
  { module: 'catalog', registry: catalogErrors },
  { module: 'users', registry: usersErrors },
  { module: 'auth', registry: { ...authErrors, ...tokenErrors, ...accountErrors } },
  { module: 'api_keys', registry: apiKeysErrors },
  { module: 'payments', registry: paymentsErrors },
  { module: 'idempotency', registry: idempotencyErrors },
  { module: 'orders', registry: ordersErrors },
  { module: 'webhooks', registry: webhooksErrors },
  { module: 'mail', registry: mailErrors },
  { module: 'ops', registry: opsErrors },
];
