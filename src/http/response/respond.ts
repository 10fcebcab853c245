// Writes the response built on the context to the socket, once.
//
// HTTP/1.1 responses go out through a single `writeHead(status, flatArray)`:
// with no earlier `setHeader` calls Node hands the array straight to its
// header serializer, which is the cheapest path node:http offers. HTTP/2's
// compatibility layer wants an object, so it gets one.

import { pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Context } from '../pipeline/context.ts';

export interface RespondOptions {
  /** Set while draining for shutdown: tell HTTP/1.1 clients to close. */
  readonly closing: boolean;
}

/**
 * Whether part of an HTTP/1.1 request's body may still be on the wire. Only
 * Content-Length or Transfer-Encoding frames a body (RFC 9112 §6.3); a
 * request with neither has none, even while Node has not yet marked it
 * complete — as it leaves a pipelined request until the one before it is
 * answered, where closing would cost the client every request behind it.
 */
function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** No content on 1xx/204/304 (RFC 9110 §15), whatever the handler set. */
function bodylessStatus(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * The bytes of body `respond` will send for `c` as it stands, for the access
 * log's `bytesOut`: exact for a buffered body (after compression, which runs
 * inside the access log), the declared Content-Length for a stream, and
 * undefined for a stream of unknown length (an event stream, a chunked
 * export) — the line is written before such a body has been sent.
 */
export function responseBodyBytes(c: Context): number | undefined {
  if (bodylessStatus(c.status) || c.method === 'HEAD') return 0;
  const body = c.body;
  if (body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (Buffer.isBuffer(body)) return body.length;
  const declared = c.getResponseHeader('content-length');
  return declared === undefined ? undefined : Number(declared);
}

export function respond(c: Context, options: RespondOptions): void {
  if (c.committed) return;
  c.committed = true;
  const res = c.res;
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers = c.responseHeaders;
  headers.push('x-request-id', c.requestId);
  const status = c.status;
  const body = c.body;
  const bodyless = bodylessStatus(status);
  const isHead = c.method === 'HEAD';

  let payload: string | Buffer | null = null;
  if (bodyless) {
    // RFC 9110 §8.6: no Content-Length on 204/1xx; on 304 it would describe
    // the representation we are not sending, so leave it out too.
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    payload = body;
    headers.push('content-length', String(Buffer.byteLength(body)));
  } else if (body === null) {
    headers.push('content-length', '0');
  }

  if (isHttp2(res)) {
    res.writeHead(status, toHeaderObject(headers));
  } else {
    // Close when draining for shutdown, and when an error left the request
    // body unread: otherwise Node would either read the rest of a body we
    // refused (say, 100 MB after a 413) or leave the connection stuck.
    if (options.closing || (status >= 400 && hasUnreadBody(c.req as IncomingMessage))) {
      headers.push('connection', 'close');
    }
    res.writeHead(status, headers);
  }

  if (bodyless || isHead) {
    if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) body.destroy();
    res.end();
    return;
  }
  if (payload !== null) {
    res.end(payload);
    return;
  }
  if (body === null) {
    res.end();
    return;
  }
  pipeline(body, res as NodeJS.WritableStream, (error) => {
    if (error !== undefined && error !== null && !res.destroyed) res.destroy(error);
  });
}

function isHttp2(res: ServerResponse | Http2ServerResponse): res is Http2ServerResponse {
  return (res as Http2ServerResponse).stream !== undefined;
}

function toHeaderObject(flat: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    const value = flat[i + 1]!;
    // HTTP/2 forbids connection-specific fields (RFC 9113 §8.2.2).
    if (name === 'connection' || name === 'keep-alive' || name === 'transfer-encoding') continue;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}
