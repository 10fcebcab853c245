// Failures that happen before a request reaches the app — Node's parser
// rejecting a request line, an oversized header block, a slowloris timeout,
// a missing Host — answered with the same problem+json body as every other
// error instead of Node's bare default, then the connection is closed.

import http, { type Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { NodeRequest, NodeResponse } from '../pipeline/context.ts';
import { httpErrors, type HttpErrorCode } from '../errors.ts';
import { PROBLEM_CONTENT_TYPE, problemType } from '../response/problem.ts';
import { rawHeader } from '../pipeline/request-id.ts';
import { mintRequestId } from '../pipeline/request-id.ts';

type Listener = (req: NodeRequest, res: NodeResponse) => void;

/**
 * RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400. Node could do this
 * itself (`requireHostHeader`), but with a bare body; this keeps the problem
 * format. HTTP/1.0 may omit Host, and HTTP/2 carries `:authority` instead.
 */
export function requireHost(handler: Listener): Listener {
  return (req, res) => {
    if (req.httpVersion === '1.1' && rawHeader(req.rawHeaders, 'host') === undefined) {
      const problem = problemPayload('HTTP_BAD_REQUEST', 'an HTTP/1.1 request needs a Host header');
      // An HTTP/1.1 request always comes with a node:http ServerResponse.
      (res as http.ServerResponse).writeHead(problem.status, problem.headers).end(problem.body);
      return;
    }
    handler(req, res);
  };
}

/** Node's parser error codes → our codes; anything else is a plain 400. */
const CLIENT_ERRORS: Readonly<Record<string, HttpErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'HTTP_HEADERS_TOO_LARGE',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP_PAYLOAD_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP_REQUEST_TIMEOUT',
};

/** After answering, how long a peer that never closes its side may keep the socket. */
const LINGER_MS = 5000;

/** A problem+json response (RFC 9457) built without a Context: no request reached the app. */
export function problemPayload(code: HttpErrorCode, detail?: string) {
  const { status, title } = httpErrors[code];
  const requestId = mintRequestId();
  const body = JSON.stringify({
    type: problemType(code),
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    code,
    requestId,
  });
  const headers = {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    connection: 'close',
  };
  return { status, body, headers };
}

export function answerClientErrors(server: Server | Http2SecureServer, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    answerClientError(error, socket, logger);
  });
}

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  // Node calls this again for bytes that arrive after the first failure; and a
  // response already on the wire cannot be followed by another one without
  // corrupting the stream for the peer.
  const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent === true) {
    logger.debug({ code: error.code }, 'client error on a closing connection');
    socket.destroy();
    return;
  }
  const { status, body, headers } = problemPayload(
    CLIENT_ERRORS[error.code ?? ''] ?? 'HTTP_BAD_REQUEST',
  );
  logger.info({ code: error.code, status }, 'client error on connection');
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
  // The server keeps connections half-open; a peer that ignores
  // `connection: close` must not hold the socket forever.
  if (socket instanceof Socket) {
    socket.setTimeout(LINGER_MS, () => {
      socket.destroy();
    });
  }
}
