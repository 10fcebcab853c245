// Browser-facing hardening headers, precomputed once.
//
// API responses get a CSP that forbids everything (`default-src 'none'`): if a
// JSON body is ever rendered as a document (sniffing, a browser navigating to
// the URL), nothing in it can run or load. HTML pages get `html(nonce)`
// instead, which the caller sets in place of the base CSP.
import { randomBytes } from 'node:crypto';

export interface HstsOptions {
  /** Seconds. Default one year (31536000), the minimum the preload list accepts. */
  readonly maxAge?: number;
  readonly includeSubDomains?: boolean;
  /** Requires includeSubDomains and maxAge ≥ one year (hstspreload.org rules). */
  readonly preload?: boolean;
}

export interface SecurityHeadersOptions {
  /** `false` disables HSTS (e.g. TLS terminated by a proxy that sets it). */
  readonly hsts?: HstsOptions | false;
  /** Who may frame our responses: `'none'` (default) or source expressions like `'self'`. */
  readonly frameAncestors?: "'none'" | readonly string[];
  /**
   * Default `strict-origin-when-cross-origin`, not `no-referrer`: under
   * `no-referrer` browsers send `Origin: null` on same-origin POSTs (Fetch
   * §3.1), which breaks Origin-based CSRF checks. This policy still sends only
   * the origin cross-site, and nothing on HTTPS→HTTP.
   */
  readonly referrerPolicy?: 'strict-origin-when-cross-origin' | 'no-referrer' | 'same-origin';
  /** `same-origin` (default) stops other sites embedding our responses as no-cors subresources. */
  readonly crossOriginResourcePolicy?: 'same-origin' | 'same-site' | 'cross-origin';
  /**
   * Other origins the pages show images from and send files to (an object
   * store's presigned URLs): added to `img-src` and `connect-src` of both
   * HTML policies. Origins only (`https://host[:port]`), never keywords.
   */
  readonly mediaOrigins?: readonly string[];
  /** Extra or replacement directives for the HTML CSP; nonces are appended to script-src/style-src. */
  readonly csp?: { readonly directives?: Readonly<Record<string, readonly string[]>> };
}

export interface SecurityHeaders {
  /** Headers for every response; HSTS only when the connection is TLS (RFC 6797 §7.2). */
  base(tls: boolean): readonly (readonly [string, string])[];
  /** The Content-Security-Policy value for an HTML page using `nonce` for its inline scripts/styles. */
  html(nonce: string): string;
  /**
   * The Content-Security-Policy value for an HTML page whose scripts and
   * styles are all files from our own origin: no nonce, and none of the
   * service-wide `csp` overrides (which exist for pages that need inline
   * code), so nothing inline ever runs or applies there.
   */
  filesOnly(): string;
}

const ONE_YEAR = 31536000;
const NONCE_MARK = '\u0000nonce\u0000';

/** 16 random bytes, base64: a fresh CSP nonce for each HTML response. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

function hstsValue(options: HstsOptions): string {
  const maxAge = options.maxAge ?? ONE_YEAR;
  const includeSubDomains = options.includeSubDomains ?? true;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new RangeError(`HSTS maxAge must be a non-negative integer, got ${maxAge}`);
  }
  if (options.preload === true && (!includeSubDomains || maxAge < ONE_YEAR)) {
    throw new TypeError('HSTS preload requires includeSubDomains and maxAge of at least a year');
  }
  let value = `max-age=${maxAge}`;
  if (includeSubDomains) value += '; includeSubDomains';
  if (options.preload === true) value += '; preload';
  return value;
}

function checkSources(values: readonly string[]): void {
  for (const value of values) {
    // A `;` or `,` would start a new directive or policy: refuse rather than inject.
    if (value === '' || /[;,\s]/.test(value)) throw new TypeError(`Invalid CSP source: "${value}"`);
  }
}

function checkOrigins(values: readonly string[]): void {
  for (const value of values) {
    if (URL.parse(value)?.origin !== value || !/^https?:/.test(value)) {
      throw new TypeError(`Not an http(s) origin: "${value}"`);
    }
  }
}

function xFrameOptions(frameAncestors: readonly string[]): string | undefined {
  if (frameAncestors.length === 1 && frameAncestors[0] === "'none'") return 'DENY';
  if (frameAncestors.length === 1 && frameAncestors[0] === "'self'") return 'SAMEORIGIN';
  // X-Frame-Options can't name other origins; CSP frame-ancestors alone governs.
  return undefined;
}

export function createSecurityHeaders(options: SecurityHeadersOptions = {}): SecurityHeaders {
  const rawAncestors = options.frameAncestors ?? "'none'";
  const frameAncestors = typeof rawAncestors === 'string' ? [rawAncestors] : [...rawAncestors];
  if (frameAncestors.length === 0) throw new TypeError('frameAncestors is empty; use "\'none\'"');
  checkSources(frameAncestors);
  const ancestors = frameAncestors.join(' ');

  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', options.referrerPolicy ?? 'strict-origin-when-cross-origin'],
    ['content-security-policy', `default-src 'none'; frame-ancestors ${ancestors}`],
    ['cross-origin-opener-policy', 'same-origin'],
    ['cross-origin-resource-policy', options.crossOriginResourcePolicy ?? 'same-origin'],
  ];
  const xfo = xFrameOptions(frameAncestors);
  if (xfo !== undefined) headers.push(['x-frame-options', xfo]);
  const plain = Object.freeze(headers.map((pair) => Object.freeze(pair)));
  const withHsts =
    options.hsts === false
      ? plain
      : Object.freeze([
          ...plain,
          Object.freeze(['strict-transport-security', hstsValue(options.hsts ?? {})] as const),
        ]);

  const media = options.mediaOrigins ?? [];
  checkOrigins(media);
  const ownFiles: Record<string, readonly string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', ...media],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...media],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
  };
  const filesOnly = Object.entries({ ...ownFiles, 'frame-ancestors': frameAncestors })
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
  const directives: Record<string, readonly string[]> = {
    ...ownFiles,
    ...options.csp?.directives,
    'frame-ancestors': frameAncestors,
  };
  const parts: string[] = [];
  for (const [name, values] of Object.entries(directives)) {
    if (!/^[a-z-]+$/.test(name)) throw new TypeError(`Invalid CSP directive name: "${name}"`);
    checkSources(values);
    const withNonce =
      name === 'script-src' || name === 'style-src' ? [...values, `'nonce-${NONCE_MARK}'`] : values;
    parts.push(withNonce.length > 0 ? `${name} ${withNonce.join(' ')}` : name);
  }
  // Split once around the nonce placeholders so html() is a plain join.
  const pieces = parts.join('; ').split(NONCE_MARK);

  return {
    base: (tls) => (tls ? withHsts : plain),
    html(nonce) {
      // Nonces are base64; anything else could smuggle in extra directives.
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(nonce)) throw new TypeError('CSP nonce must be base64');
      return pieces.join(nonce);
    },
    filesOnly: () => filesOnly,
  };
}
