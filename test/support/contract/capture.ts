// Server-side capture of every response a listener writes: wraps the request
// handler and the response's writeHead/write/end, so it sees exactly what went
// on the wire whatever client the test used (fetch, node:http, HTTP/2, raw
// sockets). The body is kept up to a cap and decoded from its
// Content-Encoding; event streams are never buffered.

import { brotliDecompressSync, gunzipSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import type { NodeRequest, NodeResponse } from '../../../src/http/pipeline/context.ts';
import type { Exchange } from './response-check.ts';

/** Bodies larger than this are not validated (the tests' largest JSON pages are far smaller). */
export const CAPTURE_LIMIT_BYTES = 1024 * 1024;

type Handler = (req: NodeRequest, res: NodeResponse) => void;
type AnyFunction = (...args: unknown[]) => unknown;

/** Calls `onExchange` synchronously once each response has been fully written. */
export function capturingHandler(
  handler: Handler,
  onExchange: (exchange: Exchange) => void,
): Handler {
  return (req, res) => {
    let status: number | undefined;
    let headers: Record<string, string> | undefined;
    const chunks: Buffer[] = [];
    let captured = 0;
    let wireBytes = 0;
    let skipBody = false;
    let done = false;
    // HTTP/2's compatibility response writes end()'s chunk through this.write,
    // i.e. through the wrapper below: while end runs, write must not keep it again.
    let ending = false;
    const target = res as unknown as Record<'writeHead' | 'write' | 'end', AnyFunction>;
    const writeHead = target.writeHead.bind(res);
    const write = target.write.bind(res);
    const end = target.end.bind(res);

    const keep = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer =
        typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      wireBytes += buffer.length;
      if (skipBody) return;
      if (captured + buffer.length > CAPTURE_LIMIT_BYTES) {
        skipBody = true;
        chunks.length = 0;
        return;
      }
      captured += buffer.length;
      chunks.push(buffer);
    };

    target.writeHead = (...args: unknown[]) => {
      status = args[0] as number;
      const raw = typeof args[1] === 'string' ? args[2] : args[1];
      headers = normaliseHeaders(raw);
      if ((headers['content-type'] ?? '').startsWith('text/event-stream')) skipBody = true;
      return writeHead(...args);
    };
    target.write = (...args: unknown[]) => {
      if (!ending) keep(args[0], args[1]);
      return write(...args);
    };
    target.end = (...args: unknown[]) => {
      if (!ending) keep(args[0], args[1]);
      ending = true;
      const result = end(...args);
      if (!done) {
        done = true;
        const finalHeaders = headers ?? normaliseHeaders(res.getHeaders());
        onExchange({
          method: req.method ?? 'GET',
          path: (req.url ?? '/').split('?', 1)[0]!,
          status: status ?? res.statusCode,
          headers: finalHeaders,
          wireBytes,
          ...(skipBody ? { body: undefined } : decode(Buffer.concat(chunks), finalHeaders)),
        });
      }
      return result;
    };
    handler(req, res);
  };
}

function normaliseHeaders(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  // Header names are strings; values strings, numbers or lists of strings.
  const text = (value: unknown): string =>
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  const add = (name: unknown, value: unknown) => {
    if (value === undefined) return;
    const key = text(name).toLowerCase();
    if (key === '' || key.startsWith(':')) return;
    const joined = Array.isArray(value) ? value.map(text).join(', ') : text(value);
    out[key] = out[key] === undefined ? joined : `${out[key]}, ${joined}`;
  };
  if (Array.isArray(raw)) {
    // node:http's flat form [name, value, name, value…] or a list of pairs.
    if (raw.length > 0 && Array.isArray(raw[0])) {
      for (const pair of raw as unknown[][]) add(pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < raw.length; i += 2) add(raw[i], raw[i + 1]);
    }
  } else if (raw !== null && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw)) add(name, value);
  }
  return out;
}

const DECODERS: Readonly<Record<string, (body: Buffer) => Buffer>> = {
  identity: (body) => body,
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
  zstd: zstdDecompressSync,
};

/** The body as the client reads it, or why it cannot be read. */
function decode(
  body: Buffer,
  headers: Record<string, string>,
): { body: Buffer | undefined; bodyError?: string } {
  const coding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = DECODERS[coding];
  if (decoder === undefined) return { body: undefined, bodyError: `unknown coding ${coding}` };
  try {
    return { body: decoder(body) };
  } catch (error) {
    return { body: undefined, bodyError: `${coding} body does not decode: ${String(error)}` };
  }
}
