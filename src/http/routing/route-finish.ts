// The innermost layer around a handler: turns a returned value into JSON and,
// for GET/HEAD, gives the response a strong ETag and answers If-None-Match
// with 304 (RFC 9110 §13.1.2). Handlers that know their resource version set
// their own ETag (see preconditions.ts) and the body is then not hashed.

import type { Context } from '../pipeline/context.ts';
import { strongEtag } from '../response/etag.ts';
import { evaluateResponsePreconditions } from '../response/preconditions.ts';
import { isPromise, type Handler } from '../pipeline/pipeline.ts';
import type { RouteRecord } from './route.ts';

export function finishHandler(record: RouteRecord): Handler {
  const handler = record.options.handler as Handler;
  const autoEtag = record.method === 'GET' && record.options.etag !== false;
  const after = (c: Context, value: unknown): void => {
    if (value !== undefined && value !== c) c.json(value);
    if (autoEtag) applyAutoEtag(c);
  };
  return (c) => {
    const result = handler(c);
    if (isPromise(result)) {
      return result.then((value) => {
        after(c, value);
      });
    }
    after(c, result);
    return undefined;
  };
}

function applyAutoEtag(c: Context): void {
  if (c.status !== 200) return;
  const body = c.body;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return;
  let etag = c.getResponseHeader('etag');
  if (etag === undefined) {
    etag = strongEtag(body);
    c.set('etag', etag);
  }
  evaluateResponsePreconditions(c, etag);
}
