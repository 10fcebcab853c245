// Conditional requests from the handler's side. A handler that knows its
// resource's current validator calls `checkPreconditions` BEFORE doing work:
// a stale If-Match stops a write with 412 (lost-update protection), a
// matching If-None-Match turns a read into 304 without building the body.

import type { Context } from '../pipeline/context.ts';
import { evaluatePreconditions } from './etag.ts';
import { httpError } from '../errors.ts';

export interface Validators {
  /** Current entity tag, quotes included (e.g. `"v7"`); undefined if none. */
  readonly etag?: string;
  readonly lastModified?: Date;
  /** Whether the resource currently exists (what `If-Match: *` tests). */
  readonly exists?: boolean;
}

export interface PreconditionOptions {
  /** Unsafe methods must send If-Match (428 when missing, RFC 6585 §3). */
  readonly requireIfMatch?: boolean;
}

/**
 * Returns 'not-modified' (and sets the 304) or 'ok'; throws 412/428.
 * Also sets `ETag`/`Last-Modified` on the response for the caller.
 */
export function checkPreconditions(
  c: Context,
  validators: Validators,
  options: PreconditionOptions = {},
): 'ok' | 'not-modified' {
  if (validators.etag !== undefined) c.set('etag', validators.etag);
  if (validators.lastModified !== undefined) {
    c.set('last-modified', validators.lastModified.toUTCString());
  }
  const ifMatch = c.header('if-match');
  if (options.requireIfMatch === true && ifMatch === undefined) {
    throw httpError('HTTP_PRECONDITION_REQUIRED', {
      detail: 'this request must carry If-Match with the ETag you last read',
    });
  }
  const outcome = evaluatePreconditions({
    method: c.method,
    ifMatch,
    ifNoneMatch: c.header('if-none-match'),
    ifModifiedSince: c.header('if-modified-since'),
    ifUnmodifiedSince: c.header('if-unmodified-since'),
    etag: validators.etag,
    lastModified: validators.lastModified,
    exists: validators.exists,
  });
  if (outcome === 'precondition-failed') {
    throw httpError('HTTP_PRECONDITION_FAILED', {
      detail: 'the resource changed since you last read it',
    });
  }
  if (outcome === 'not-modified') {
    c.status = 304;
    c.body = null;
    return 'not-modified';
  }
  return 'ok';
}

/** Used after a GET handler ran: only cheap header checks, the ETag is known. */
export function evaluateResponsePreconditions(c: Context, etag: string): void {
  const ifNoneMatch = c.header('if-none-match');
  const ifMatch = c.header('if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return;
  checkPreconditions(c, { etag, exists: true });
}
