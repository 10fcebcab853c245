// The errors the HTTP core itself raises (HTTP_*), as a registry like every
// module's. AppError and the registry helpers live in src/errors/, outside
// HTTP, so every layer can raise errors; problem.ts turns any AppError into
// a status and an RFC 9457 body.

import { defineErrors, errorFactory } from '../errors/index.ts';

/** Errors the HTTP core itself can raise. */
export const httpErrors = defineErrors({
  HTTP_BAD_REQUEST: { status: 400, title: 'Bad request', level: 'info' },
  HTTP_MALFORMED_JSON: { status: 400, title: 'Malformed JSON body', level: 'info' },
  HTTP_MALFORMED_PATH: { status: 400, title: 'Malformed request path', level: 'info' },
  HTTP_MALFORMED_BODY: { status: 400, title: 'Malformed request body', level: 'info' },
  HTTP_UNAUTHENTICATED: { status: 401, title: 'Authentication required', level: 'info' },
  HTTP_FORBIDDEN: { status: 403, title: 'Forbidden', level: 'info' },
  HTTP_NOT_FOUND: { status: 404, title: 'Not found', level: 'debug' },
  HTTP_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', level: 'debug' },
  HTTP_NOT_ACCEPTABLE: { status: 406, title: 'Not acceptable', level: 'info' },
  HTTP_REQUEST_TIMEOUT: { status: 408, title: 'Request timeout', level: 'info' },
  HTTP_PRECONDITION_FAILED: { status: 412, title: 'Precondition failed', level: 'info' },
  HTTP_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', level: 'info' },
  HTTP_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', level: 'info' },
  HTTP_EXPECTATION_FAILED: { status: 417, title: 'Expectation failed', level: 'info' },
  HTTP_VALIDATION_FAILED: { status: 422, title: 'Validation failed', level: 'info' },
  HTTP_PRECONDITION_REQUIRED: { status: 428, title: 'Precondition required', level: 'info' },
  HTTP_RATE_LIMITED: { status: 429, title: 'Too many requests', level: 'info' },
  HTTP_HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request header fields too large',
    level: 'info',
  },
  // nginx's non-standard 499: the client left before the answer; nobody reads
  // this response, it exists for the access log and the metrics.
  HTTP_CLIENT_CLOSED_REQUEST: { status: 499, title: 'Client closed request', level: 'debug' },
  HTTP_INTERNAL: { status: 500, title: 'Internal server error', level: 'error' },
  HTTP_SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', level: 'warn' },
  HTTP_DEADLINE_EXCEEDED: { status: 503, title: 'Request deadline exceeded', level: 'warn' },
});

export type HttpErrorCode = keyof typeof httpErrors;

export const httpError = errorFactory(httpErrors);
