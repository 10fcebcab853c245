// A POST to a URL someone else chose (a webhook endpoint), without letting
// that someone aim our server at itself or its network (SSRF). The rules:
//
// - `https:` only; `http:` when the caller explicitly allows it (development).
//   No credentials in the URL.
// - The host is resolved once (dns.lookup, every address) and the request is
//   refused if ANY address is loopback, private, carrier-grade NAT,
//   link-local (cloud metadata lives at 169.254.169.254), unique-local,
//   multicast, unspecified or otherwise reserved — IPv4-mapped and NAT64
//   IPv6 forms are judged by the IPv4 address inside. "Any", not "the first":
//   a name with one public and one internal address must not get a chance to
//   reach the internal one. IP literals are judged the same way (the URL
//   parser has already turned `2130706433` or `0x7f.1` into 127.0.0.1).
// - The connection goes to an address that was checked: the request gets a
//   `lookup` that answers with the checked addresses only, so a DNS answer
//   that changes between the check and the connect (DNS rebinding) is never
//   consulted. The hostname still drives SNI, certificate checks and `Host`.
// - Exact hosts on an allow-list skip the address check (a receiver on the
//   internal network, local development) but are still pinned.
// - Redirects are never followed: a 3xx is a result like any other status.
// - A connect timeout, a total timeout covering DNS to the last byte, and a
//   cap on the response body (read at most N bytes, then hang up).
//
// Outcomes are values, not exceptions: `response` (whatever the status),
// `refused` (permanent — the URL or its addresses are not allowed; retrying
// will not help) or `failed` (transient — DNS, connect, TLS, timeouts).

import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIPv4, isIPv6, type LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'carrier_grade_nat'
  | 'link_local'
  | 'unique_local'
  | 'multicast'
  | 'unspecified'
  | 'reserved'
  | 'invalid';

export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface SafePostOptions {
  /** Extra request headers (content type, the webhook-* headers). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Permit `http:` URLs. Development only. */
  readonly allowHttp?: boolean;
  /** Exact hostnames (or IP literals) whose addresses are not checked. */
  readonly allowHosts?: readonly string[];
  readonly connectTimeoutMs?: number;
  /** From the call to the end of the response: DNS, connect, TLS, upload, download. */
  readonly totalTimeoutMs?: number;
  /** The response body is read up to this many bytes; then the connection is dropped. */
  readonly maxResponseBytes?: number;
  /** Name resolution, every address. Defaults to dns.lookup; tests inject answers here. */
  readonly resolve?: Resolver;
}

export interface OutboundResponse {
  readonly outcome: 'response';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The first `maxResponseBytes` of the body, decoded as UTF-8. */
  readonly bodySnippet: string;
  /** Whether the body went on past the cap (and was cut off). */
  readonly bodyTruncated: boolean;
  /** The address the request went to. */
  readonly address: string;
  readonly durationMs: number;
}

export type RefusalReason =
  'invalid_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'forbidden_address';

export interface OutboundRefusal {
  readonly outcome: 'refused';
  readonly reason: RefusalReason;
  /** For `forbidden_address`: the first offending address and its class. */
  readonly address?: string;
  readonly addressClass?: AddressClass;
  readonly detail: string;
  readonly durationMs: number;
}

export type FailureReason =
  'dns_error' | 'connect_timeout' | 'timeout' | 'tls_error' | 'connection_error';

export interface OutboundFailure {
  readonly outcome: 'failed';
  readonly reason: FailureReason;
  /** The underlying error code when there is one (ENOTFOUND, ECONNREFUSED, CERT_HAS_EXPIRED…). */
  readonly code?: string;
  readonly detail: string;
  readonly durationMs: number;
}

export type OutboundResult = OutboundResponse | OutboundRefusal | OutboundFailure;

// ---------------------------------------------------------------------------
// Address classification

type Range = readonly [network: number, prefix: number, cls: AddressClass];

/** IANA's IPv4 special-purpose registry, plus multicast and the reserved top. */
const IPV4_RANGES: readonly Range[] = [
  [ipv4('0.0.0.0'), 8, 'unspecified'],
  [ipv4('10.0.0.0'), 8, 'private'],
  [ipv4('100.64.0.0'), 10, 'carrier_grade_nat'],
  [ipv4('127.0.0.0'), 8, 'loopback'],
  [ipv4('169.254.0.0'), 16, 'link_local'],
  [ipv4('172.16.0.0'), 12, 'private'],
  [ipv4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [ipv4('192.0.2.0'), 24, 'reserved'], // documentation
  [ipv4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast
  [ipv4('192.168.0.0'), 16, 'private'],
  [ipv4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [ipv4('198.51.100.0'), 24, 'reserved'], // documentation
  [ipv4('203.0.113.0'), 24, 'reserved'], // documentation
  [ipv4('224.0.0.0'), 4, 'multicast'],
  [ipv4('240.0.0.0'), 4, 'reserved'], // includes 255.255.255.255
];

function ipv4(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function classifyIPv4(value: number): AddressClass {
  for (const [network, prefix, cls] of IPV4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (value - (value % size) === network) return cls;
  }
  return 'public';
}

/** Eight 16-bit groups of a valid IPv6 address (zone id dropped). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail !== null) {
    const value = ipv4(tail[1]!);
    text = `${text.slice(0, tail.index)}${Math.floor(value / 65536).toString(16)}:${(value % 65536).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function classifyIPv6(groups: readonly number[]): AddressClass {
  const g = (index: number) => groups[index] ?? 0;
  const zero = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const embeddedIPv4 = g(6) * 65536 + g(7);

  if (zero(0, 8)) return 'unspecified';
  if (zero(0, 7) && g(7) === 1) return 'loopback';
  if (zero(0, 5) && g(5) === 0xffff) return classifyIPv4(embeddedIPv4); // ::ffff:a.b.c.d
  if (g(0) === 0x64 && g(1) === 0xff9b && zero(2, 6)) return classifyIPv4(embeddedIPv4); // NAT64
  if ((g(0) & 0xff00) === 0xff00) return 'multicast';
  if ((g(0) & 0xffc0) === 0xfe80) return 'link_local';
  if ((g(0) & 0xfe00) === 0xfc00) return 'unique_local';
  if (g(0) === 0x2001 && g(1) < 0x200) return 'reserved'; // protocol assignments, Teredo
  if (g(0) === 0x2001 && g(1) === 0xdb8) return 'reserved'; // documentation
  if (g(0) === 0x2002) return 'reserved'; // 6to4: an IPv4 address in disguise
  if ((g(0) & 0xfff0) === 0x3ff0) return 'reserved'; // 3fff::/20, documentation
  if ((g(0) & 0xe000) === 0x2000) return 'public'; // 2000::/3, global unicast
  return 'reserved'; // the rest: ::/8 (IPv4-compatible), 100::/64, 64:ff9b:1::/48, fec0::/10…
}

/** What kind of address `address` is; only `public` may be contacted. */
export function classifyAddress(address: string): AddressClass {
  if (isIPv4(address)) return classifyIPv4(ipv4(address));
  if (isIPv6(address)) return classifyIPv6(ipv6Groups(address));
  return 'invalid';
}

// ---------------------------------------------------------------------------
// URL checks

interface Target {
  readonly url: URL;
  /** The hostname without IPv6 brackets. */
  readonly host: string;
  readonly literal: LookupAddress | undefined;
}

function normalizeHost(host: string): string {
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return new URL(`http://${bracketed}/`).hostname.replace(/^\[(.*)\]$/, '$1');
}

function checkUrl(
  raw: string,
  allowHttp: boolean,
): Target | { reason: RefusalReason; detail: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { reason: 'invalid_url', detail: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    return { reason: 'scheme_not_allowed', detail: `${url.protocol} URLs are not allowed` };
  }
  if (url.username !== '' || url.password !== '') {
    return { reason: 'credentials_in_url', detail: 'URLs with credentials are not allowed' };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { reason: 'invalid_url', detail: 'the URL has no host' };
  const family = isIPv4(host) ? 4 : isIPv6(host) ? 6 : 0;
  return { url, host, literal: family === 0 ? undefined : { address: host, family } };
}

// ---------------------------------------------------------------------------
// The request

const defaultResolve: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, order: 'verbatim' });

/** A `lookup` for http.request that only ever answers with the addresses we checked. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  const first = addresses[0]!;
  return (_hostname, options, callback) => {
    if (options.all === true) callback(null, [...addresses]);
    else callback(null, first.address, first.family);
  };
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH/;

function connectionFailure(error: unknown): { reason: FailureReason; code?: string } {
  const code = errorCode(error);
  if (code !== undefined && TLS_CODE.test(code)) return { reason: 'tls_error', code };
  return code === undefined ? { reason: 'connection_error' } : { reason: 'connection_error', code };
}

function responseHeaders(
  headers: http.IncomingHttpHeaders,
): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * POSTs `body` to `url` under the rules above. Never throws for anything the
 * URL, the network or the remote end does; only for invalid options.
 */
export async function safePost(
  url: string,
  body: string | Uint8Array,
  options: SafePostOptions = {},
): Promise<OutboundResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const totalTimeoutMs = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  for (const [name, value] of Object.entries({ connectTimeoutMs, totalTimeoutMs })) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be > 0`);
  }
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 0) {
    throw new RangeError('maxResponseBytes must be ≥ 0');
  }
  const allowHosts = new Set((options.allowHosts ?? []).map(normalizeHost));

  const refuse = (
    reason: RefusalReason,
    detail: string,
    extra: { address?: string; addressClass?: AddressClass } = {},
  ): OutboundRefusal => ({ outcome: 'refused', reason, ...extra, detail, durationMs: elapsed() });
  const fail = (reason: FailureReason, detail: string, code?: string): OutboundFailure => ({
    outcome: 'failed',
    reason,
    ...(code === undefined ? {} : { code }),
    detail,
    durationMs: elapsed(),
  });

  const target = checkUrl(url, options.allowHttp === true);
  if (!('url' in target)) return refuse(target.reason, target.detail);

  // One deadline for everything, DNS included (dns.lookup cannot be cancelled,
  // but we stop waiting for it).
  const deadline = Promise.withResolvers<'expired'>();
  const totalTimer = setTimeout(() => {
    deadline.resolve('expired');
  }, totalTimeoutMs);
  try {
    let addresses: readonly LookupAddress[];
    if (target.literal !== undefined) {
      addresses = [target.literal];
    } else {
      const resolving = (options.resolve ?? defaultResolve)(target.host).then(
        (answer) => ({ answer }),
        (error: unknown) => ({ error }),
      );
      const resolved = await Promise.race([resolving, deadline.promise]);
      if (resolved === 'expired') return fail('timeout', 'name resolution did not finish in time');
      if ('error' in resolved) {
        return fail(
          'dns_error',
          `name resolution failed: ${messageOf(resolved.error)}`,
          errorCode(resolved.error),
        );
      }
      addresses = resolved.answer;
      if (addresses.length === 0) return fail('dns_error', 'the name has no addresses');
    }

    if (!allowHosts.has(target.host)) {
      for (const { address } of addresses) {
        const addressClass = classifyAddress(address);
        if (addressClass !== 'public') {
          const detail = `${target.host} has the ${addressClass.replace(/_/g, ' ')} address ${address}`;
          return refuse('forbidden_address', detail, { address, addressClass });
        }
      }
    }

    const sending = send(target, addresses, body, {
      headers: options.headers ?? {},
      connectTimeoutMs,
      maxResponseBytes,
      fail,
      elapsed,
    });
    const sent = await Promise.race([sending.result, deadline.promise]);
    if (sent === 'expired') {
      sending.abort();
      return fail('timeout', `no complete response within ${totalTimeoutMs} ms`);
    }
    return sent;
  } finally {
    clearTimeout(totalTimer);
  }
}

interface SendContext {
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly fail: (reason: FailureReason, detail: string, code?: string) => OutboundFailure;
  readonly elapsed: () => number;
}

function send(
  target: Target,
  addresses: readonly LookupAddress[],
  body: string | Uint8Array,
  context: SendContext,
): { result: Promise<OutboundResponse | OutboundFailure>; abort: () => void } {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const { url } = target;
  const client = url.protocol === 'https:' ? https : http;
  const request = client.request({
    protocol: url.protocol,
    hostname: target.host,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: 'POST',
    headers: {
      ...context.headers,
      'content-length': String(payload.byteLength),
      connection: 'close',
    },
    // A fresh connection per call: no pooled socket from an earlier resolution.
    agent: false,
    lookup: pinnedLookup(addresses),
  });

  const outcome = Promise.withResolvers<OutboundResponse | OutboundFailure>();
  let settled = false;
  const connectTimer = setTimeout(() => {
    settle(context.fail('connect_timeout', `no connection within ${context.connectTimeoutMs} ms`));
    request.destroy();
  }, context.connectTimeoutMs);
  const settle = (value: OutboundResponse | OutboundFailure) => {
    if (settled) return;
    settled = true;
    clearTimeout(connectTimer);
    outcome.resolve(value);
  };
  const abort = () => {
    settled = true;
    clearTimeout(connectTimer);
    request.destroy();
  };

  request.on('socket', (socket) => {
    if (!socket.connecting) clearTimeout(connectTimer);
    else
      socket.once('connect', () => {
        clearTimeout(connectTimer);
      });
  });

  request.on('error', (error) => {
    const { reason, code } = connectionFailure(error);
    settle(context.fail(reason, messageOf(error), code));
  });

  request.on('response', (response) => {
    const chunks: Buffer[] = [];
    let received = 0;
    // Read now: once the connection is torn down the socket forgets its peer.
    const remoteAddress = response.socket.remoteAddress ?? addresses[0]!.address;
    const finish = (truncated: boolean) => {
      settle({
        outcome: 'response',
        status: response.statusCode ?? 0,
        headers: responseHeaders(response.headers),
        bodySnippet: Buffer.concat(chunks).toString('utf8'),
        bodyTruncated: truncated,
        address: remoteAddress,
        durationMs: context.elapsed(),
      });
    };
    response.on('data', (chunk: Buffer) => {
      if (settled) return;
      const room = context.maxResponseBytes - received;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        received += room;
        finish(true);
        request.destroy();
        return;
      }
      chunks.push(chunk);
      received += chunk.length;
    });
    response.on('end', () => {
      finish(false);
    });
    response.on('error', (error) => {
      settle(
        context.fail(
          'connection_error',
          `the response broke off: ${messageOf(error)}`,
          errorCode(error),
        ),
      );
    });
    response.on('close', () => {
      if (!response.complete) {
        settle(context.fail('connection_error', 'the connection closed before the response ended'));
      }
    });
  });

  request.end(payload);
  return { result: outcome.promise, abort };
}
