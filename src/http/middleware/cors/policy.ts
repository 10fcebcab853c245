// The server side of the CORS protocol (Fetch standard §3.2).
//
// CORS relaxes the browser's same-origin policy for reading responses; it is
// not access control. A disallowed origin simply gets no CORS headers and the
// browser withholds the response from the page; the request itself still runs,
// so state-changing routes need their own CSRF/authentication defences.
//
// Vary: Origin. When the answer depends on the Origin (an origin list, a
// predicate, or credentials, which forces reflecting the origin instead of
// `*`), EVERY response of the resource carries `Vary: Origin`, including those
// to disallowed origins and to requests with no Origin at all. Otherwise a
// shared cache could store the header-less answer and replay it to an allowed
// origin (which then fails CORS), or store one origin's ACAO and replay it to
// another. Vary is not a CORS header: callers must APPEND it to any Vary they
// already send (e.g. Accept-Encoding), not overwrite.

export type HeaderPairs = readonly (readonly [string, string])[];

export type CorsDecision =
  /** Not a CORS request, or a disallowed origin. `headers` is empty or just `Vary`. */
  | { readonly kind: 'none'; readonly headers: HeaderPairs }
  /** A cross-origin request from an allowed origin: add `headers` to the response. */
  | { readonly kind: 'actual'; readonly headers: HeaderPairs }
  /** An acceptable preflight: answer 204 with `headers` and stop. */
  | { readonly kind: 'preflight'; readonly headers: HeaderPairs }
  /** A preflight we refuse: answer it (e.g. 204 or 403) WITHOUT CORS headers and stop. */
  | { readonly kind: 'preflight-rejected'; readonly headers: HeaderPairs };

export interface CorsRequestHeaders {
  readonly origin?: string | undefined;
  readonly 'access-control-request-method'?: string | undefined;
  readonly 'access-control-request-headers'?: string | undefined;
}

export interface CorsOptions {
  /**
   * Serialized origins (`https://app.example.com`, compared exactly by scheme,
   * host and port; host case-insensitive), `'*'`, or a predicate (consulted on
   * every request, never cached). The `null` origin (sandboxed iframes, file:
   * pages, some redirects) is only allowed when listed literally.
   */
  readonly origins: readonly string[] | '*' | ((origin: string) => boolean);
  readonly methods?: readonly string[];
  /**
   * Request headers a page may send. An explicit list rather than reflecting
   * whatever is asked for: reflection would silently allow any header forever.
   */
  readonly allowHeaders?: readonly string[];
  /** Response headers a page may read beyond the CORS-safelisted ones. */
  readonly exposeHeaders?: readonly string[];
  /** Allow cookies / HTTP auth. Never combined with a literal `*` (reflects instead). */
  readonly credentials?: boolean;
  /** Seconds a browser may cache a preflight answer (Chromium caps at 7200). */
  readonly maxAge?: number;
}

export interface Cors {
  evaluate(method: string, headers: CorsRequestHeaders): CorsDecision;
}

export const DEFAULT_CORS_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'PUT',
  'PATCH',
  'POST',
  'DELETE',
];

export const DEFAULT_CORS_ALLOW_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'authorization',
  'x-request-id',
  'if-match',
  'if-none-match',
  'idempotency-key',
  'x-api-key',
  'x-csrf-token',
];

export const DEFAULT_CORS_EXPOSE_HEADERS: readonly string[] = [
  'x-request-id',
  'etag',
  'location',
  'retry-after',
  'ratelimit',
  'ratelimit-policy',
  'server-timing',
  'deprecation',
  'sunset',
  'link',
];

const MAX_REQUESTED_HEADERS = 64;
const CACHE_SIZE = 256;

function normalizeOrigin(origin: string): string {
  if (origin === 'null') return origin;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    url.origin === 'null' ||
    url.hostname.includes('*') ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new TypeError(`Not a serialized origin (scheme://host[:port]): ${origin}`);
  }
  return url.origin;
}

function names(kind: string, list: readonly string[], lowerCase: boolean): string[] {
  return list.map((name) => {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.includes('*') || /[\s,]/.test(trimmed)) {
      throw new TypeError(`CORS ${kind} must be explicit names, got "${name}"`);
    }
    return lowerCase ? trimmed.toLowerCase() : trimmed.toUpperCase();
  });
}

function freeze<T extends object>(value: T): Readonly<T> {
  return Object.freeze(value);
}

export function createCors(options: CorsOptions): Cors {
  const { origins } = options;
  const credentials = options.credentials ?? false;
  const maxAge = options.maxAge ?? 86400;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new RangeError(`CORS maxAge must be a non-negative integer, got ${maxAge}`);
  }
  const methods = new Set(names('methods', options.methods ?? DEFAULT_CORS_METHODS, false));
  const allowed = new Set(
    names('allowHeaders', options.allowHeaders ?? DEFAULT_CORS_ALLOW_HEADERS, true),
  );
  const exposed = names(
    'exposeHeaders',
    options.exposeHeaders ?? DEFAULT_CORS_EXPOSE_HEADERS,
    true,
  );
  const allowList = typeof origins === 'object' ? new Set(origins.map(normalizeOrigin)) : undefined;

  // `*` can be sent only when nothing depends on the origin; credentials forbid it.
  const literalStar = origins === '*' && !credentials;
  const vary: HeaderPairs = literalStar ? [] : [freeze(['vary', 'Origin'] as const)];
  const none: CorsDecision = freeze({ kind: 'none', headers: freeze(vary) });
  const rejected: CorsDecision = freeze({ kind: 'preflight-rejected', headers: freeze(vary) });

  const common = (allowOrigin: string): [string, string][] => [
    ['access-control-allow-origin', allowOrigin],
    ...(credentials ? [['access-control-allow-credentials', 'true'] as [string, string]] : []),
  ];
  const actualExtras: HeaderPairs = [
    ...(exposed.length > 0 ? [['access-control-expose-headers', exposed.join(', ')] as const] : []),
    ...vary,
  ];
  // The full allowed lists, not an echo of the request: one preflight answer
  // then covers every later request from the page (within max-age).
  const preflightExtras: HeaderPairs = [
    ['access-control-allow-methods', [...methods].join(', ')],
    ...(allowed.size > 0
      ? [['access-control-allow-headers', [...allowed].join(', ')] as const]
      : []),
    ['access-control-max-age', String(maxAge)],
    ...vary,
  ];

  interface Answers {
    readonly actual: CorsDecision;
    readonly preflight: CorsDecision;
  }
  const answersFor = (allowOrigin: string): Answers => ({
    actual: freeze({ kind: 'actual', headers: freeze([...common(allowOrigin), ...actualExtras]) }),
    preflight: freeze({
      kind: 'preflight',
      headers: freeze([...common(allowOrigin), ...preflightExtras]),
    }),
  });

  // Precompute every answer we can: a literal `*`, and each listed origin.
  const starAnswers = literalStar ? answersFor('*') : undefined;
  const listed = new Map<string, Answers>();
  if (allowList !== undefined)
    for (const origin of allowList) listed.set(origin, answersFor(origin));
  const reflected = new Map<string, Answers>(); // '*' + credentials, or a predicate

  function answersForOrigin(origin: string): Answers | undefined {
    if (starAnswers !== undefined) return origin === 'null' ? undefined : starAnswers;
    if (allowList !== undefined) return listed.get(origin) ?? listed.get(origin.toLowerCase());
    if (origin === 'null') return undefined;
    if (typeof origins === 'function' && !origins(origin)) return undefined;
    let answers = reflected.get(origin);
    if (answers === undefined) {
      answers = answersFor(origin);
      if (reflected.size >= CACHE_SIZE) reflected.clear();
      reflected.set(origin, answers);
    }
    return answers;
  }

  const requestedHeadersVerdicts = new Map<string, boolean>();
  function requestedHeadersAllowed(requested: string | undefined): boolean {
    if (requested === undefined || requested === '') return true;
    let verdict = requestedHeadersVerdicts.get(requested);
    if (verdict === undefined) {
      const list = requested.split(',');
      verdict =
        list.length <= MAX_REQUESTED_HEADERS &&
        list.every((name) => {
          const normalized = name.trim().toLowerCase();
          return normalized === '' || allowed.has(normalized);
        });
      if (requestedHeadersVerdicts.size >= CACHE_SIZE) requestedHeadersVerdicts.clear();
      if (requested.length <= 1024) requestedHeadersVerdicts.set(requested, verdict);
    }
    return verdict;
  }

  return {
    evaluate(method, headers) {
      const origin = headers.origin;
      const requestedMethod = headers['access-control-request-method'];
      // Fetch §3.2.2: a preflight is OPTIONS carrying Origin and ACRM; an OPTIONS
      // without ACRM is an ordinary (actual) cross-origin request.
      const isPreflight =
        method === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined;
      if (origin === undefined || origin === '') return none;
      const answers = answersForOrigin(origin);
      if (!isPreflight) return answers?.actual ?? none;
      if (
        answers === undefined ||
        !methods.has(requestedMethod) ||
        !requestedHeadersAllowed(headers['access-control-request-headers'])
      ) {
        return rejected;
      }
      return answers.preflight;
    },
  };
}
