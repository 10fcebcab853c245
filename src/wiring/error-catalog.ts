// Every error registry in the service, in one list: the core's and the
// shared parts' below, then each module's own (its `errors`, wiring/modules.ts).
// The docs test checks that docs/errors.md documents exactly these codes
// with these statuses; the OpenAPI document lists each under its status.

import { redisErrors } from '../adapters/redis/errors.ts';
import { searchEngineErrors } from '../adapters/search/unavailable.ts';
import type { ErrorRegistry } from '../errors/index.ts';
import { grpcErrors } from '../grpc/errors.ts';
import { httpErrors } from '../http/errors.ts';
import { idempotencyErrors } from '../platform/sql/idempotency.ts';
import { sqlErrors } from '../platform/sql/sql-errors.ts';
import { MODULES } from './modules.ts';

export const errorCatalog: readonly {
  /** Every code starts with it, upper-cased, `-` as `_`. */
  readonly module: string;
  readonly registry: ErrorRegistry;
}[] = [
  { module: 'http', registry: httpErrors },
  { module: 'grpc', registry: grpcErrors },
  { module: 'sql', registry: sqlErrors },
  { module: 'redis', registry: redisErrors },
  { module: 'search-engine', registry: searchEngineErrors },
  { module: 'idempotency', registry: idempotencyErrors },
  ...MODULES.flatMap((module) =>
    module.errors === undefined ? [] : [{ module: module.name, registry: module.errors }],
  ),
];
