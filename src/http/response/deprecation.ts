// Signalling that an endpoint is deprecated and when it goes away:
// `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link` relations.
// Build the headers once, where the route is defined, and reuse the array.

export interface DeprecationOptions {
  /**
   * When the resource was (or will be) deprecated. RFC 9745 defines only a
   * Structured Field Date (`@1688169599`); the `true` of earlier drafts is not
   * valid. `true` here means "deprecated as of now": it is stamped with `now`
   * when the headers are built. Prefer an explicit, stable Date.
   */
  readonly deprecatedAt?: Date | true;
  /** When the resource stops responding (RFC 8594). Must not precede deprecatedAt (RFC 9745 §5). */
  readonly sunset?: Date;
  /** URI of the replacement (`rel="successor-version"`, RFC 5829). */
  readonly successor?: string;
  /** URI of human-readable deprecation notes (`rel="deprecation"`, RFC 9745 §3). */
  readonly link?: string;
}

function checkDate(name: string, date: Date): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is an invalid Date`);
  return ms;
}

/** A URI-Reference fit for `<…>` in a Link header: nothing that could end it early. */
function checkUri(name: string, uri: string): string {
  if (uri === '' || /[<>\s"]/.test(uri) || /[^\x21-\x7e]/.test(uri)) {
    throw new TypeError(`${name} must be a non-empty ASCII URI without <, >, quotes or spaces`);
  }
  return uri;
}

/**
 * Response headers announcing deprecation. `Link` relations are combined into
 * one value; callers already sending Link (pagination, …) must append, not set.
 */
export function deprecationHeaders(
  options: DeprecationOptions,
  now: Date = new Date(),
): [string, string][] {
  const headers: [string, string][] = [];
  let deprecatedMs: number | undefined;
  if (options.deprecatedAt !== undefined) {
    deprecatedMs =
      options.deprecatedAt === true
        ? checkDate('now', now)
        : checkDate('deprecatedAt', options.deprecatedAt);
    // sf-date: "@" followed by integer seconds since the Unix epoch (RFC 9651 §3.3.7).
    headers.push(['deprecation', `@${Math.floor(deprecatedMs / 1000)}`]);
  }
  if (options.sunset !== undefined) {
    const sunsetMs = checkDate('sunset', options.sunset);
    if (deprecatedMs !== undefined && sunsetMs < deprecatedMs) {
      throw new RangeError('sunset must not be earlier than deprecatedAt');
    }
    // toUTCString() produces IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    headers.push(['sunset', options.sunset.toUTCString()]);
  }
  const links: string[] = [];
  if (options.successor !== undefined) {
    links.push(`<${checkUri('successor', options.successor)}>; rel="successor-version"`);
  }
  if (options.link !== undefined) {
    links.push(`<${checkUri('link', options.link)}>; rel="deprecation"; type="text/html"`);
  }
  if (links.length > 0) headers.push(['link', links.join(', ')]);
  return headers;
}
