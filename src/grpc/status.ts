// The one place an AppError becomes a gRPC status. Every code already has an
// HTTP status in its registry; the gRPC code follows from it (the table
// below, docs/grpc.md), with a few codes whose meaning is sharper than their
// HTTP status. The stable application code travels in the trailing metadata
// (`throughline-error-code`), with the request id and, for invalid input, the
// failing fields as JSON (`throughline-field-errors`): clients switch on the
// code, never on the message.

import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import type { AppError } from '../errors/index.ts';

export const ERROR_CODE_KEY = 'throughline-error-code';
export const FIELD_ERRORS_KEY = 'throughline-field-errors';
export const REQUEST_ID_KEY = 'throughline-request-id';

/** HTTP status → gRPC status, for every status a registry uses. */
const BY_HTTP_STATUS: Readonly<Record<number, Status>> = {
  400: Status.INVALID_ARGUMENT,
  401: Status.UNAUTHENTICATED,
  403: Status.PERMISSION_DENIED,
  404: Status.NOT_FOUND,
  405: Status.UNIMPLEMENTED,
  406: Status.INVALID_ARGUMENT,
  408: Status.DEADLINE_EXCEEDED,
  // A conflict with the resource's current state (out of stock, a status
  // that does not allow the action): retrying the same call will not help.
  409: Status.FAILED_PRECONDITION,
  412: Status.FAILED_PRECONDITION,
  413: Status.RESOURCE_EXHAUSTED,
  415: Status.INVALID_ARGUMENT,
  422: Status.INVALID_ARGUMENT,
  428: Status.FAILED_PRECONDITION,
  429: Status.RESOURCE_EXHAUSTED,
  431: Status.INVALID_ARGUMENT,
  499: Status.CANCELLED,
  500: Status.INTERNAL,
  501: Status.UNIMPLEMENTED,
  502: Status.UNAVAILABLE,
  503: Status.UNAVAILABLE,
  504: Status.DEADLINE_EXCEEDED,
};

/** Codes whose gRPC status is more precise than their HTTP status says. */
const BY_CODE: Readonly<Record<string, Status>> = {
  // Creating what exists already: ALREADY_EXISTS rather than a state conflict.
  CATALOG_SKU_TAKEN: Status.ALREADY_EXISTS,
  USERS_EMAIL_TAKEN: Status.ALREADY_EXISTS,
  SQL_UNIQUE_VIOLATION: Status.ALREADY_EXISTS,
  // Lost a race with another transaction: the whole call may be retried.
  SQL_SERIALIZATION_FAILURE: Status.ABORTED,
  // 503 over HTTP (there is no better status), but gRPC has its own.
  HTTP_DEADLINE_EXCEEDED: Status.DEADLINE_EXCEEDED,
};

export function grpcStatusOf(error: Pick<AppError, 'code' | 'status'>): Status {
  return (
    BY_CODE[error.code] ??
    BY_HTTP_STATUS[error.status] ??
    (error.status >= 500 ? Status.INTERNAL : Status.FAILED_PRECONDITION)
  );
}

/**
 * The status a call ends with for `error`. The message is the public detail
 * (or title), never a cause; `throughline-field-errors` is ASCII JSON, so it
 * is a plain (non `-bin`) metadata value that grpcurl prints as it is.
 */
export function toServiceError(error: AppError, requestId: string): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, error.code);
  metadata.set(REQUEST_ID_KEY, requestId);
  if (error.errors !== undefined && error.errors.length > 0) {
    metadata.set(FIELD_ERRORS_KEY, asciiJson(error.errors));
  }
  return {
    code: grpcStatusOf(error),
    details: `${error.code}: ${error.detail ?? error.title}`,
    metadata,
  };
}

/** JSON with every non-ASCII character escaped: metadata values must be printable ASCII. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
