// Every registered code has a gRPC status, and the documented ones are what
// docs/grpc.md says they are.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { errorCatalog } from '../wiring/error-catalog.ts';
import { grpcStatusOf } from './status.ts';

test('every registered code maps to a status other than OK and UNKNOWN', () => {
  for (const { registry } of errorCatalog) {
    for (const [code, spec] of Object.entries(registry)) {
      const mapped = grpcStatusOf({ code, status: spec.status });
      assert.notEqual(mapped, status.OK, code);
      assert.notEqual(mapped, status.UNKNOWN, code);
      if (spec.status >= 500) {
        assert.ok(
          [
            status.INTERNAL,
            status.UNAVAILABLE,
            status.DEADLINE_EXCEEDED,
            status.UNIMPLEMENTED,
          ].includes(mapped),
          `${code} (${spec.status}) → ${status[mapped]}`,
        );
      }
    }
  }
});

test('the documented mappings', () => {
  const cases: [string, number, status][] = [
    ['CATALOG_PRODUCT_NOT_FOUND', 404, status.NOT_FOUND],
    ['GRPC_INVALID_ARGUMENT', 422, status.INVALID_ARGUMENT],
    ['GRPC_UNAUTHENTICATED', 401, status.UNAUTHENTICATED],
    ['GRPC_PERMISSION_DENIED', 403, status.PERMISSION_DENIED],
    ['ORDERS_OUT_OF_STOCK', 409, status.FAILED_PRECONDITION],
    ['CATALOG_SKU_TAKEN', 409, status.ALREADY_EXISTS],
    ['SQL_SERIALIZATION_FAILURE', 409, status.ABORTED],
    ['SQL_UNAVAILABLE', 503, status.UNAVAILABLE],
    ['HTTP_DEADLINE_EXCEEDED', 503, status.DEADLINE_EXCEEDED],
    ['HTTP_RATE_LIMITED', 429, status.RESOURCE_EXHAUSTED],
    ['SOMETHING_NEW', 418, status.FAILED_PRECONDITION],
    ['SOMETHING_BROKEN', 507, status.INTERNAL],
  ];
  for (const [code, httpStatus, expected] of cases) {
    assert.equal(grpcStatusOf({ code, status: httpStatus }), expected, code);
  }
});
