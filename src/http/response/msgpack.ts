// MessagePack responses (application/msgpack) as an alternative to JSON,
// chosen by Accept (RFC 9110 §12.5.1) on every route whose success responses
// are JSON. The handler still produces JSON text; on the way out it is
// re-encoded from the JSON data model (so `toJSON`, dropped `undefined`
// and the rest behave exactly as in the JSON representation). Problems
// stay application/problem+json whatever Accept says.
//
// The two representations differ, so their strong ETags must too (RFC 9110
// §8.8.3): the msgpack one carries a suffix, which is taken off the
// If-None-Match / If-Match a msgpack client sends back before the route's
// own checks compare them.

import { Packr } from 'msgpackr';
import { middleware, type Middleware } from '../pipeline/pipeline.ts';
import type { Context } from '../pipeline/context.ts';
import { MSGPACK_MEDIA_TYPE } from '../request/body/msgpack.ts';
import { createMediaTypeNegotiator } from './negotiation.ts';

const JSON_MEDIA_TYPE = 'application/json';
const ETAG_SUFFIX = '.msgpack';

// JSON first: no Accept, `*/*` and equal weights keep getting JSON.
const chooseType = createMediaTypeNegotiator([JSON_MEDIA_TYPE, MSGPACK_MEDIA_TYPE]);
const packr = new Packr({ useRecords: false, variableMapSize: true });

export function encodeJsonAsMsgpack(json: string | Buffer): Buffer {
  return packr.pack(JSON.parse(json.toString()));
}

function unsuffixed(header: string): string {
  return header.replaceAll(`${ETAG_SUFFIX}"`, '"');
}

function suffixed(etag: string): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}${ETAG_SUFFIX}"` : etag;
}

/** For a route with JSON responses: msgpack when Accept prefers it. */
export function msgpackResponseMiddleware(produces: readonly string[]): Middleware | undefined {
  if (!produces.includes(JSON_MEDIA_TYPE)) return undefined;
  return middleware('msgpack', 'validation', async (c, next) => {
    c.vary('Accept');
    if (chooseType(c.header('accept')) !== MSGPACK_MEDIA_TYPE) return next();
    for (const name of ['if-none-match', 'if-match'] as const) {
      const value = c.req.headers[name];
      if (typeof value === 'string') c.req.headers[name] = unsuffixed(value);
    }
    await next();
    if (c.status === 304 || toMsgpack(c)) {
      const etag = c.getResponseHeader('etag');
      if (etag !== undefined) c.set('etag', suffixed(etag));
    }
  });
}

/** Re-encodes a JSON body; false when the response is something else. */
function toMsgpack(c: Context): boolean {
  const type = c.getResponseHeader('content-type');
  const body = c.body;
  if (c.status >= 300 || type === undefined || !type.startsWith(JSON_MEDIA_TYPE)) return false;
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return false;
  c.body = encodeJsonAsMsgpack(body);
  c.set('content-type', MSGPACK_MEDIA_TYPE);
  return true;
}
