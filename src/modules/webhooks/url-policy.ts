// Which URLs may be registered as endpoints: the SSRF guard's rules
// (ssrf-guard.ts), applied when the URL is saved so that a bad one is refused
// with a field error instead of failing every delivery later. The guard still
// checks again at every delivery — DNS answers change — and pins the address.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, type Resolver } from './ssrf-guard.ts';
import { webhooksError } from './errors.ts';

export interface UrlPolicy {
  /** Permit http: URLs (development; the config refuses it in production). */
  readonly allowHttp: boolean;
  /** Exact hosts whose addresses are not checked. */
  readonly allowHosts: readonly string[];
  /** Name resolution; dns.lookup by default. */
  readonly resolve?: Resolver;
}

const defaultResolve: Resolver = (hostname) => lookup(hostname, { all: true, order: 'verbatim' });

function forbidden(reason: string, detail: string) {
  return webhooksError('WEBHOOKS_URL_FORBIDDEN', {
    detail,
    errors: [{ field: 'url', in: 'body', code: reason, message: detail }],
  });
}

/** The URL as it will be stored (normalised by the URL parser); throws WEBHOOKS_URL_FORBIDDEN. */
export async function checkEndpointUrl(raw: string, policy: UrlPolicy): Promise<string> {
  const url = URL.parse(raw);
  if (url === null) throw forbidden('invalid_url', 'not an absolute URL');
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    throw forbidden('scheme_not_allowed', `${url.protocol} URLs are not allowed; use https`);
  }
  if (url.username !== '' || url.password !== '') {
    throw forbidden('credentials_in_url', 'URLs with credentials are not allowed');
  }
  if (url.hash !== '') throw forbidden('invalid_url', 'URLs with a fragment are not allowed');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw forbidden('invalid_url', 'the URL has no host');
  const allowed = new Set(policy.allowHosts.map((entry) => entry.toLowerCase()));
  if (allowed.has(host) || allowed.has(url.hostname)) return url.href;

  let addresses: readonly string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = (await (policy.resolve ?? defaultResolve)(host)).map((entry) => entry.address);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) {
      throw forbidden('unresolvable_host', `${host} does not resolve to an address`);
    }
  }
  for (const address of addresses) {
    const addressClass = classifyAddress(address);
    if (addressClass !== 'public') {
      throw forbidden(
        'forbidden_address',
        `${host} has the ${addressClass.replace(/_/g, ' ')} address ${address}`,
      );
    }
  }
  return url.href;
}
