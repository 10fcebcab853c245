// Values for members and parameters whose meaning the schemas cannot carry:
// ids of real objects (next to random ones, so both "found" and "not found"
// paths run), cursors the server issued, fresh idempotency keys.

import fc from 'fast-check';
import type { JsonObject, OpenApiDocument } from '../../support/contract/document.ts';
import type { Pools } from './fixtures.ts';
import { arbitraryFor, type SchemaHints } from './schema-arbitrary.ts';

/** Random ids far above any row the suite or the seed data creates (so never a caller's own). */
const RANDOM_ID = fc.bigInt({ min: 10n ** 12n, max: 2n ** 63n - 1n }).map(String);

export function hintsFor(document: OpenApiDocument, path: string, pools: Pools): SchemaHints {
  const own = (schema: JsonObject) => arbitraryFor(document, schema);
  const idFrom = (pool: readonly string[]) =>
    pool.length === 0
      ? RANDOM_ID
      : fc.oneof(
          { arbitrary: fc.constantFrom(...pool), weight: 2 },
          { arbitrary: RANDOM_ID, weight: 1 },
        );
  const keyFrom = (pool: readonly string[], schema: JsonObject) =>
    pool.length === 0 ? own(schema) : fc.oneof(fc.constantFrom(...pool), own(schema));
  const pathPools: [RegExp, readonly string[]][] = [
    [/\/users\/\{id\}/, pools.users],
    [/\/api-keys\/\{id\}/, pools.apiKeys],
    [/\/products\/\{id\}/, pools.products],
    [/\/orders\/\{id\}/, pools.orders],
    [/\/transfers\/\{id\}/, pools.transfers],
    [/\/endpoints\/\{id\}/, pools.endpoints],
    [/\/deliveries\/\{id\}/, pools.deliveries],
  ];
  return (name, schema) => {
    switch (name) {
      case 'id': {
        if (path.includes('/jobs/dead/')) return keyFrom(pools.deadJobs, schema);
        const pool = pathPools.find(([pattern]) => pattern.test(path))?.[1];
        return pool === undefined ? undefined : idFrom(pool);
      }
      case 'userId':
      case 'toUserId':
        return idFrom(pools.users);
      case 'productId':
        return idFrom(pools.products);
      case 'endpointId':
        return idFrom(pools.endpoints);
      case 'queue':
        return keyFrom(pools.queues, schema);
      case 'email':
        // Only the path parameter of a suppression names an existing address.
        return path.includes('/suppressions/{email}')
          ? keyFrom(pools.suppressed, schema)
          : undefined;
      case 'after': {
        // "the opaque cursor of links.next": only a cursor the server issued is valid input.
        const issued = pools.cursors[path] ?? [];
        return issued.length === 0 ? undefined : fc.constantFrom(...issued);
      }
      case 'idempotency-key':
        // Mostly fresh keys; now and then one key again (a replay, or a reuse with another body).
        return fc.oneof(
          { arbitrary: fc.uuid(), weight: 9 },
          { arbitrary: fc.constant('fuzz-repeated-key'), weight: 1 },
        );
      default:
        return undefined;
    }
  };
}
