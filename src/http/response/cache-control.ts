// Building `Cache-Control` response values (RFC 9111 §5.2.2, RFC 8246
// `immutable`, RFC 5861 `stale-while-revalidate` / `stale-if-error`).
// Values are meant to be built once, at route definition, so contradictions
// throw there: they are programming errors, not client errors.

export interface CacheControlOptions {
  /** `public` lets shared caches store responses to authenticated requests; `private` forbids shared caches. */
  readonly visibility?: 'public' | 'private';
  /** Freshness lifetime for every cache, in seconds. */
  readonly maxAge?: number;
  /** Freshness lifetime for shared caches only, in seconds (overrides max-age there). */
  readonly sMaxAge?: number;
  /** Store nothing, anywhere. Excludes every freshness directive. */
  readonly noStore?: boolean;
  /** May be stored, but must be revalidated before each reuse. */
  readonly noCache?: boolean;
  /** Once stale, must not be served without successful revalidation. */
  readonly mustRevalidate?: boolean;
  /** `must-revalidate` for shared caches only. */
  readonly proxyRevalidate?: boolean;
  /** Will not change while fresh: clients skip revalidation on reload (needs maxAge). */
  readonly immutable?: boolean;
  /** Seconds a stale response may be served while revalidating in the background. */
  readonly staleWhileRevalidate?: number;
  /** Seconds a stale response may be served when revalidation fails with an error. */
  readonly staleIfError?: number;
  /** Intermediaries must not transform the content (this also disables our compression). */
  readonly noTransform?: boolean;
}

/**
 * Delta-seconds (RFC 9111 §1.2.2): a non-negative integer. Values past 2^31
 * are legal but caches clamp them, so cap at that to keep the header honest.
 */
function deltaSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 2147483648) {
    throw new RangeError(`Cache-Control ${name} must be an integer in [0, 2^31], got ${value}`);
  }
  return value;
}

function conflict(message: string): never {
  throw new TypeError(`Contradictory Cache-Control: ${message}`);
}

function buildCacheControl(options: CacheControlOptions): string {
  const o = options;
  const freshness =
    o.maxAge !== undefined ||
    o.sMaxAge !== undefined ||
    o.immutable === true ||
    o.staleWhileRevalidate !== undefined ||
    o.staleIfError !== undefined;
  if (o.noStore === true) {
    if (freshness) conflict('no-store with a freshness directive (nothing is stored)');
    if (o.visibility === 'public') conflict('public with no-store');
    if (o.noCache === true) conflict('no-cache with no-store (no-store already covers it)');
  }
  if (o.immutable === true) {
    if (o.maxAge === undefined) conflict('immutable without max-age');
    if (o.noCache === true) conflict('immutable with no-cache');
  }
  if (o.visibility === 'private' && (o.sMaxAge !== undefined || o.proxyRevalidate === true)) {
    conflict('shared-cache directives (s-maxage, proxy-revalidate) on a private response');
  }

  const parts: string[] = [];
  if (o.visibility !== undefined) parts.push(o.visibility);
  if (o.noStore === true) parts.push('no-store');
  if (o.noCache === true) parts.push('no-cache');
  if (o.maxAge !== undefined) parts.push(`max-age=${deltaSeconds('max-age', o.maxAge)}`);
  if (o.sMaxAge !== undefined) parts.push(`s-maxage=${deltaSeconds('s-maxage', o.sMaxAge)}`);
  if (o.mustRevalidate === true) parts.push('must-revalidate');
  if (o.proxyRevalidate === true) parts.push('proxy-revalidate');
  if (o.noTransform === true) parts.push('no-transform');
  if (o.immutable === true) parts.push('immutable');
  if (o.staleWhileRevalidate !== undefined) {
    const value = deltaSeconds('stale-while-revalidate', o.staleWhileRevalidate);
    parts.push(`stale-while-revalidate=${value}`);
  }
  if (o.staleIfError !== undefined) {
    parts.push(`stale-if-error=${deltaSeconds('stale-if-error', o.staleIfError)}`);
  }
  if (parts.length === 0) throw new TypeError('Cache-Control needs at least one directive');
  return parts.join(', ');
}

/**
 * Builds a Cache-Control value, throwing on contradictory combinations.
 * Presets: `cacheControl.noStore` for anything per-user or sensitive,
 * `cacheControl.privateNoCache` for per-user data that may be revalidated (ETag).
 */
export const cacheControl = Object.assign(buildCacheControl, {
  noStore: 'no-store',
  privateNoCache: 'private, no-cache',
} as const);
