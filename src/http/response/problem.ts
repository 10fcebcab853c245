// RFC 9457 problem details: the one place where an error becomes an HTTP
// status and a body. Domain code throws AppErrors with codes; this edge maps
// them. Anything that is not an AppError is a bug: the client gets a generic
// 500 with the request id, the log gets the cause and the stack.

import type { AppError } from '../../errors/index.ts';
import type { Context } from '../pipeline/context.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Problem types are identified by tag URIs (RFC 4151): stable, unique, and
 * honest about not being dereferenceable (RFC 9457 §3.1.1). The code itself
 * is repeated as the `code` extension member for clients that switch on it.
 */
export function problemType(code: string): string {
  return `tag:throughline.dev,2026:problems/${code.toLowerCase().replaceAll('_', '-')}`;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: readonly { field: string; in: string; code: string; message: string }[];
  [extension: string]: unknown;
}

export function problemBody(error: AppError, requestId: string, instance: string): ProblemBody {
  const body: ProblemBody = {
    ...error.extensions,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    instance,
    code: error.code,
    requestId,
  };
  // The generic 500 carries no detail: its message may describe internals.
  if (error.detail !== undefined && error.code !== 'HTTP_INTERNAL') body.detail = error.detail;
  if (error.errors !== undefined) body.errors = error.errors;
  return body;
}

/**
 * Replaces whatever response was being built with the problem for `error`.
 * Headers that describe the failed representation are dropped; CORS, security
 * headers, request id and `Vary` stay so browsers can read the error.
 */
export function applyProblem(c: Context, error: AppError): void {
  dropRepresentationHeaders(c);
  c.status = error.status;
  c.body = JSON.stringify(problemBody(error, c.requestId, c.path));
  c.set('content-type', PROBLEM_CONTENT_TYPE);
  c.set('cache-control', 'no-store');
  if (error.headers !== undefined) {
    for (const [name, value] of Object.entries(error.headers)) c.set(name, value);
  }
}

const REPRESENTATION_HEADERS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-range',
  'etag',
  'last-modified',
  'cache-control',
  'expires',
  'location',
]);

function dropRepresentationHeaders(c: Context): void {
  const headers = c.responseHeaders;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (REPRESENTATION_HEADERS.has(headers[i]!)) headers.splice(i, 2);
  }
}

/**
 * The global error handler: logs the error with the request id at the level
 * its code declares (with the stack only for server faults) and replaces the
 * response with the problem. Never rethrows.
 */
export function recover(c: Context, error: unknown): void {
  const appError = c.appErrorFrom(error);
  // The deadline sweeper has answered this request and logged it: what its
  // handler failed with afterwards (a query cancelled at the deadline) is no news.
  if (c.committed && appError.code === 'HTTP_DEADLINE_EXCEEDED') return;
  const fields = { code: appError.code, status: appError.status, method: c.method, path: c.path };
  if (appError.status >= 500) {
    c.log[appError.level]({ ...fields, err: appError.cause ?? appError }, appError.title);
  } else {
    c.log[appError.level](fields, appError.detail ?? appError.title);
  }
  if (c.committed) return;
  applyProblem(c, appError);
}
