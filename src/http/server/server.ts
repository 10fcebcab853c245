// Listeners: plain HTTP/1.1 for development, or TLS with ALPN offering h2 and
// http/1.1 on one port (node:http2 with allowHTTP1). Optionally a second,
// plain listener whose only job is a 308 to the https URL.
//
// Protection against slow or oversized requests is set here, on the socket
// layer, because it must act before any of our code runs:
// - headersTimeout: the whole header block must arrive within it (slowloris);
// - requestTimeout: the whole request, body included;
// - keepAliveTimeout: idle keep-alive connections are closed after it;
// - maxHeaderSize: larger header blocks get 431.
// Node applies all four to HTTP/1.1 over the TLS listener too (allowHTTP1
// reuses the node:http connection handling); the tests prove it.
// Node's parser reports those failures as `clientError`; we answer them with
// a problem+json body like every other error instead of Node's bare default.

import http, { type Server } from 'node:http';
import http2, { type Http2SecureServer, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { answerClientErrors, requireHost } from './client-errors.ts';
import { handleExpectations } from './expect.ts';
import { upgradeListener } from './upgrade.ts';
import type { NodeRequest, NodeResponse } from '../pipeline/context.ts';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
  /** Plain-HTTP port that redirects to the TLS listener (only with tls). */
  readonly redirectPort?: number | undefined;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderSize: number;
  readonly logger: Logger;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly redirectUrl: string | undefined;
  /**
   * Stops accepting, lets in-flight requests finish, then cuts what is left
   * after `graceMs`. Idempotent: later calls return the first call's promise.
   */
  close(graceMs: number): Promise<void>;
}

type Listener = (req: NodeRequest, res: NodeResponse) => void;

interface Listening {
  readonly server: Server | Http2SecureServer;
  close(graceMs: number): Promise<void>;
}

export async function startServer(
  handler: Listener,
  options: ServerOptions,
): Promise<RunningServer> {
  const guarded = requireHost(handler);
  const main =
    options.tls === undefined
      ? createPlain(guarded, options)
      : createSecure(guarded, options, options.tls);
  // Upgrade requests (WebSocket) run through the same handler (upgrade.ts).
  main.server.on('upgrade', upgradeListener(guarded));
  // `Expect: 100-continue` runs the handler before the body is asked for (expect.ts).
  handleExpectations(main.server, guarded);
  const port = await listen(main.server, options.port, options);
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = `${scheme}://${formatHost(options.host)}:${port}`;

  let redirect: Listening | undefined;
  let redirectUrl: string | undefined;
  if (options.tls !== undefined && options.redirectPort !== undefined) {
    redirect = createRedirect(port, options);
    try {
      const redirectPort = await listen(redirect.server, options.redirectPort, options);
      redirectUrl = `http://${formatHost(options.host)}:${redirectPort}`;
    } catch (error) {
      // Do not leave the main listener open behind a failed start.
      await main.close(0);
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    redirectUrl,
    close(graceMs) {
      closing ??= Promise.all([main.close(graceMs), redirect?.close(graceMs)]).then(
        () => undefined,
      );
      return closing;
    },
  };
}

function http1Options(options: ServerOptions): http.ServerOptions {
  return {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    maxHeaderSize: options.maxHeaderSize,
    // How often Node checks the two timeouts above; its 30 s default would let
    // a slowloris connection live far longer than headersTimeout says.
    connectionsCheckingInterval: Math.max(100, Math.min(1000, options.headersTimeoutMs / 4)),
    // Checked by `requireHost` instead, so the 400 carries a problem body.
    requireHostHeader: false,
  };
}

function createPlain(handler: Listener, options: ServerOptions): Listening {
  const server = http.createServer(http1Options(options), handler);
  answerClientErrors(server, options.logger);
  return { server, close: (graceMs) => closeHttp1(server, graceMs) };
}

function createSecure(
  handler: Listener,
  options: ServerOptions,
  tls: { cert: string; key: string },
): Listening {
  const server: Http2SecureServer = http2.createSecureServer(
    {
      ...http1Options(options),
      cert: tls.cert,
      key: tls.key,
      allowHTTP1: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
      // A connection that never completes its handshake is a slowloris too;
      // Node's default would hold it for two minutes.
      handshakeTimeout: options.headersTimeoutMs,
      maxHeaderListPairs: 128,
      maxSessionMemory: 10,
      settings: { maxConcurrentStreams: 128, maxHeaderListSize: options.maxHeaderSize },
    },
    handler,
  );
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    // HTTP/2 has no keep-alive timeout of its own: an idle session is closed
    // (GOAWAY) after a few keep-alive periods without any frame.
    session.setTimeout(options.keepAliveTimeoutMs * 4, () => {
      session.close();
    });
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', (error: Error) => {
    options.logger.debug({ err: error }, 'HTTP/2 session error');
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    options.logger.debug({ code: error.code }, 'TLS handshake failed');
    // With a listener attached, Node leaves the socket open: close it here.
    socket.destroy();
  });
  // Http2SecureServer has no closeAllConnections(): to cut what is left after
  // the grace period, every raw socket (h2, http/1.1 or mid-handshake) is kept.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  answerClientErrors(server, options.logger);
  return {
    server,
    close: (graceMs) =>
      closeWithGrace(
        server,
        graceMs,
        () => {
          // GOAWAY (RFC 9113 §6.8): clients open no new streams; open ones may finish.
          // (Http2SecureServer.close() itself already closes idle HTTP/1.1 connections.)
          for (const session of sessions) session.close();
        },
        () => {
          for (const session of sessions) session.destroy();
          for (const socket of sockets) socket.destroy();
        },
      ),
  };
}

function createRedirect(tlsPort: number, options: ServerOptions): Listening {
  const server = http.createServer(http1Options(options), (req, res) => {
    // Only a syntactically plain host name is reflected; anything else gets
    // the configured host, so the redirect cannot be steered elsewhere.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
    const host = /^[a-z0-9.-]{1,253}$/i.test(hostHeader) ? hostHeader : formatHost(options.host);
    // Origin-form only (RFC 9112 §3.2.1): an absolute-form target would be
    // glued onto the authority and produce a different URL.
    const target = req.url?.startsWith('/') === true ? req.url : '/';
    const location = `https://${host}:${tlsPort}${target}`;
    res.writeHead(308, { location, 'content-length': '0', 'cache-control': 'no-store' });
    res.end();
  });
  answerClientErrors(server, options.logger);
  return { server, close: (graceMs) => closeHttp1(server, graceMs) };
}

function closeHttp1(server: Server, graceMs: number): Promise<void> {
  return closeWithGrace(
    server,
    graceMs,
    () => {
      server.closeIdleConnections();
    },
    () => {
      server.closeAllConnections();
    },
  );
}

/** `server.close` waits for every connection; after `graceMs` the rest are cut. */
function closeWithGrace(
  server: Server | Http2SecureServer,
  graceMs: number,
  soft: () => void,
  hard: () => void,
): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(hard, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    soft();
  });
}

function listen(
  server: Server | Http2SecureServer,
  port: number,
  { host, logger }: ServerOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      // Accept failures (EMFILE…) surface here; unhandled they would crash the process.
      server.on('error', (error: Error) => {
        logger.error({ err: error }, 'listener error');
      });
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function formatHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
