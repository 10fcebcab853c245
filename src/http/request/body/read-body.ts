// Bounded reading of a request body off the wire. Works for both
// http.IncomingMessage and http2.Http2ServerRequest: all it needs is a
// Readable plus the request headers.
//
// When reading stops early (too large, aborted by `signal`), the rest of the
// body is left unread and the request is paused rather than destroyed, so the
// caller can still send its 413/4xx. The caller should answer such a request
// with `Connection: close` (HTTP/1.1) so the socket is closed once the
// response is flushed instead of being drained or left half-read.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { httpError } from '../../errors.ts';
import { countBodyBytes } from './bytes-read.ts';
import type { AppError } from '../../../errors/index.ts';

export type BodySource = Readable & {
  readonly headers: IncomingHttpHeaders;
  /** 1 for HTTP/1.x, 2 for HTTP/2; decides whether a missing length means "no body". */
  readonly httpVersionMajor?: number;
  /** HTTP/2 only: END_STREAM on the HEADERS frame means there is no body. */
  readonly stream?: { readonly endAfterHeaders: boolean };
};

const clientAbortErrors = new WeakSet<object>();

/** True for the rejection raised when the client went away mid-body (nobody to answer). */
export function isClientAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && clientAbortErrors.has(error);
}

export function clientAbortedError(cause?: unknown): AppError {
  const error = httpError('HTTP_BAD_REQUEST', {
    detail: 'The client aborted the request before the body was complete.',
    cause,
  });
  clientAbortErrors.add(error);
  return error;
}

export function payloadTooLargeError(detail: string): AppError {
  return httpError('HTTP_PAYLOAD_TOO_LARGE', { detail });
}

/** The abort reason to reject with (the caller owns what an abort means), as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted.', { cause: reason });
  error.name = 'AbortError';
  return error;
}

/**
 * The declared Content-Length (RFC 9110 §8.6), or undefined when absent.
 * Node's parsers already reject malformed values on the wire; this guards
 * against anything that slipped through instead of trusting `Number()`.
 */
export function declaredContentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^[0-9]+$/.test(trimmed)) {
    throw httpError('HTTP_BAD_REQUEST', { detail: 'Content-Length must be a decimal integer.' });
  }
  return Number(trimmed);
}

export function bodyLimitDetail(limit: number): string {
  return `The request body exceeds the limit of ${limit} bytes.`;
}

/** Why the body cannot be read at all (aborted, already consumed, gone), if it cannot. */
export function unreadableReason(req: BodySource, signal?: AbortSignal): Error | undefined {
  if (signal?.aborted) return abortReason(signal);
  if (req.readableEnded) return new Error('The request body has already been consumed.');
  // Without this a request torn down before we attach would never settle.
  if (req.destroyed) return clientAbortedError(req.errored ?? undefined);
  return undefined;
}

/**
 * Reads the whole body into one Buffer, never holding more than `limit`
 * bytes: a declared Content-Length over the limit is rejected before any byte
 * is read, and chunked bodies are counted as they arrive.
 */
// async only so synchronous checks become rejections; listeners are still
// attached before this returns, as there is no await before them.
export async function readBody(
  req: BodySource,
  limit: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  const declared = declaredContentLength(req.headers);
  if (declared !== undefined && declared > limit) {
    throw payloadTooLargeError(bodyLimitDetail(limit));
  }
  const early = unreadableReason(req, signal);
  if (early !== undefined) throw early;

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;

    const settle = (error: Error | undefined, body?: Buffer): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (body !== undefined) resolve(body);
      else reject(error!);
    };

    function onData(chunk: Buffer | string): void {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      countBodyBytes(req, buffer.length);
      if (received > limit) {
        req.pause();
        settle(payloadTooLargeError(bodyLimitDetail(limit)));
        return;
      }
      chunks.push(buffer);
    }
    function onEnd(): void {
      settle(undefined, Buffer.concat(chunks, received));
    }
    function onError(error: Error): void {
      settle(clientAbortedError(error));
    }
    // 'close' before 'end' means the stream was torn down under us.
    function onClose(): void {
      settle(clientAbortedError());
    }
    function onAbort(): void {
      req.pause();
      settle(abortReason(signal!));
    }

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
