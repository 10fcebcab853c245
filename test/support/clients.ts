// Clients for listener tests: HTTP/2 and HTTP/1.1 over TLS with the test
// certificate pinned as the only CA, plain HTTP/1.1, and a raw socket for
// bytes no well-behaved client would send.

import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface ClientResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The protocol ALPN settled on (`h2`, `http/1.1`), or undefined over plain TCP. */
  readonly protocol: string | undefined;
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: OutgoingHttpHeaders;
}

/** The certificate is issued to `localhost`; the tests connect to 127.0.0.1. */
export const SERVERNAME = 'localhost';

/** One request on a fresh HTTP/2 session, closed afterwards. */
export async function h2Request(
  url: string,
  ca: string,
  options: RequestOptions = {},
): Promise<ClientResponse> {
  const session = http2.connect(url, { ca, servername: SERVERNAME });
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('connect', () => {
        resolve();
      });
      session.once('error', reject);
    });
    const stream = session.request({
      ':method': options.method ?? 'GET',
      ':path': options.path ?? '/',
      ...options.headers,
    });
    const [headers, body] = await Promise.all([
      new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve)),
      readAll(stream),
    ]);
    const { ':status': status, ...rest } = headers;
    return { status: Number(status), headers: rest, body, protocol: session.alpnProtocol };
  } finally {
    session.close();
  }
}

/** One HTTP/1.1 request over TLS; ALPN offers only http/1.1. */
export function httpsRequest(
  url: string,
  ca: string,
  options: RequestOptions = {},
): Promise<ClientResponse> {
  const target = new URL(url);
  // https.request passes TLS options through; its type omits ALPNProtocols.
  const tlsOptions: https.RequestOptions & Pick<tls.ConnectionOptions, 'ALPNProtocols'> = {
    ca,
    servername: SERVERNAME,
    ALPNProtocols: ['http/1.1'],
  };
  return collect(
    https.request({
      ...tlsOptions,
      host: target.hostname,
      port: target.port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: options.headers,
      agent: false,
    }),
  );
}

/** One plain HTTP/1.1 request on a fresh connection. */
export function httpRequest(url: string, options: RequestOptions = {}): Promise<ClientResponse> {
  const target = new URL(url);
  return collect(
    http.request({
      host: target.hostname,
      port: target.port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: options.headers,
      agent: false,
    }),
  );
}

function collect(req: http.ClientRequest): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      readAll(res).then((body) => {
        const protocol = (res.socket as tls.TLSSocket | null)?.alpnProtocol;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          protocol: typeof protocol === 'string' ? protocol : undefined,
        });
      }, reject);
    });
    req.end();
  });
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    stream.once('error', reject);
  });
}

export interface RawExchange {
  /** Everything the server sent before the connection closed. */
  readonly received: string;
  /** Whether the server closed its side (FIN) rather than the socket erroring. */
  readonly endedByServer: boolean;
}

/**
 * Writes `payload` on a new connection and then nothing more; resolves once the
 * server has closed the connection. Over TLS, ALPN offers only http/1.1.
 */
export function rawExchange(
  port: number,
  payload: string,
  options: { readonly ca?: string } = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket =
      options.ca === undefined
        ? net.connect({ port, host: '127.0.0.1' })
        : tls.connect({
            port,
            host: '127.0.0.1',
            ca: options.ca,
            servername: SERVERNAME,
            ALPNProtocols: ['http/1.1'],
          });
    const chunks: Buffer[] = [];
    let endedByServer = false;
    socket.once(options.ca === undefined ? 'connect' : 'secureConnect', () =>
      socket.write(payload),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('end', () => {
      endedByServer = true;
    });
    socket.once('error', reject);
    socket.once('close', () => {
      resolve({ received: Buffer.concat(chunks).toString('utf8'), endedByServer });
    });
  });
}

export interface ParsedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Parses one HTTP/1.1 response written as raw bytes (no chunked bodies). */
export function parseRawResponse(raw: string): ParsedResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`no complete response head in ${JSON.stringify(raw)}`);
  const [statusLine = '', ...lines] = raw.slice(0, split).split('\r\n');
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (match === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, body: raw.slice(split + 4) };
}
