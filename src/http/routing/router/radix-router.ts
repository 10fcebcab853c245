// A segment tree router: pure data structures, no HTTP objects.
//
// Matching policy
// - Matching is exact and case-sensitive. Static segments are compared with
//   the raw (still percent-encoded) request path; captured values are
//   percent-decoded. A static pattern segment with non-ASCII characters
//   (`/café`) also matches its UTF-8 percent-encoded form (`/caf%C3%A9`).
// - Priority at every segment, whatever the registration order: static >
//   constrained parameter (in registration order) > plain parameter >
//   wildcard. When a branch dead-ends, the walk backtracks to the next one,
//   so `/users/new` and `/users/:id/edit` both work for `/users/new/edit`.
// - Matching is per method: `POST /users/new` reaches `POST /users/:id` even
//   when `/users/new` exists for GET only. A path that matches under other
//   methods only gives `method-not-allowed` with the union of their methods.
// - Parameters never match an empty segment. A wildcard matches the rest of
//   the path, possibly empty: `/files/*path` matches `/files/a/b` (path
//   `a/b`) and `/files/` (path ``), but not `/files`, which the trailing-slash
//   policy redirects to `/files/`.
// - HEAD falls back to the GET route when no HEAD route exists (RFC 9110
//   §9.3.2); OPTIONS without an explicit route answers `options` with the
//   allowed methods (RFC 9110 §9.3.7). Allow lists are sorted and always hold
//   OPTIONS, and HEAD whenever GET is there.
//
// Trailing-slash policy
// - `/about` and `/about/` are different paths. When neither a route nor
//   another method matches, but the same path with its trailing slash removed
//   or added matches a route of any method, the answer is `redirect` to that
//   canonical path (the application answers 308, which keeps the method and
//   body, RFC 9110 §15.4.9). `/` never redirects, and no redirect points to a
//   location starting with `//` or `/\`, which browsers would read as another
//   host (RFC 3986 §4.2).
//
// Refused paths (`bad-path`): not starting with `/`, malformed percent-
// encoding, a `.` or `..` segment raw or decoded (also inside a decoded value:
// `..%2fetc`), or a NUL byte. These checks run before the tree walk.
//
// Results for routes without parameters are precomputed and frozen, and
// shared between requests: never mutate a result or its `params`.

import { checkRequestPath, decodeComponent } from './path.ts';
import { parsePattern, type PatternSegment } from './pattern.ts';
import type { FoundMatch, MatchResult, Params } from './match-result.ts';
import { insertPath, RouteConflictError } from './route-insert.ts';
import { RouteNode, type Route } from './route-node.ts';

export type { FoundMatch, MatchResult, Params } from './match-result.ts';
export { InvalidRoutePatternError } from './pattern.ts';
export { RouteConflictError } from './route-insert.ts';

export interface RegisteredRoute<T> {
  readonly method: string;
  readonly pattern: string;
  readonly value: T;
}

/** RFC 9110 §5.6.2 token: what a method name may be. */
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Method argument of the walk meaning "a route of any method". Not a token, so never a method. */
const ANY_METHOD = '';
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const EMPTY_PARAMS: Params = Object.freeze({});
const NOT_FOUND: MatchResult<never> = Object.freeze({ type: 'not-found' });

function freezeFound<T>(value: T, pattern: string): FoundMatch<T> {
  return Object.freeze({ type: 'found', value, params: EMPTY_PARAMS, pattern });
}

function allowList(methods: Set<string>): string[] {
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}

export class RadixRouter<T> {
  readonly #root = new RouteNode<T>([]);
  readonly #registered: RegisteredRoute<T>[] = [];
  /** Fully static routes by method, then by exact path: one Map lookup per request. */
  readonly #staticByMethod = new Map<string, Map<string, FoundMatch<T>>>();
  readonly #staticGet = new Map<string, FoundMatch<T>>();
  // Capture positions of the walk in progress. `find` is synchronous and
  // never re-entered, so one pair of buffers serves every request.
  #captureStarts = new Int32Array(8);
  #captureEnds = new Int32Array(8);
  #visits = 0;

  constructor() {
    this.#staticByMethod.set('GET', this.#staticGet);
  }

  /**
   * Registers `value` for `method` and `pattern`. Throws RouteConflictError
   * when the route clashes with one already registered,
   * InvalidRoutePatternError for a malformed pattern and Error for a method
   * that is not an RFC 9110 token. A refused route leaves the router as it was.
   */
  add(method: string, pattern: string, value: T): void {
    if (!METHOD_TOKEN.test(method)) {
      throw new Error(`Invalid HTTP method "${method}" for route "${pattern}"`);
    }
    const segments = parsePattern(pattern);
    const node = insertPath(this.#root, segments, method, pattern);
    node.handlers ??= new Map();
    const existing = node.handlers.get(method);
    if (existing !== undefined) {
      const problem = `the same route is already registered as ${method} "${existing.pattern}"`;
      throw new RouteConflictError(method, pattern, existing.pattern, problem);
    }
    const paramNames = node.paramNames;
    const found = paramNames.length === 0 ? freezeFound(value, pattern) : null;
    const route: Route<T> = { method, pattern, value, paramNames, found };
    node.handlers.set(method, route);
    node.anyRoute ??= route;
    this.#registered.push(Object.freeze({ method, pattern, value }));
    if (found !== null) this.#addStatic(method, segments, found);
    if (paramNames.length > this.#captureStarts.length) {
      this.#captureStarts = new Int32Array(paramNames.length);
      this.#captureEnds = new Int32Array(paramNames.length);
    }
  }

  /** Matches a raw request path (without the query string) for `method`. */
  find(method: string, path: string): MatchResult<T> {
    const byPath = method === 'GET' ? this.#staticGet : this.#staticByMethod.get(method);
    const fast = byPath?.get(path);
    if (fast !== undefined) return fast;
    if (method === 'HEAD') {
      const viaGet = this.#staticGet.get(path);
      if (viaGet !== undefined) return viaGet;
    }
    return this.#findInTree(method, path);
  }

  /**
   * `find` plus the number of tree nodes it visited. Diagnostic only: it shows
   * that matching cost follows the path, not the number of routes.
   */
  findWithStats(method: string, path: string): { result: MatchResult<T>; nodesVisited: number } {
    this.#visits = 0;
    const result = this.find(method, path);
    return { result, nodesVisited: this.#visits };
  }

  /** Every registered route, in registration order (for OpenAPI and diagnostics). */
  routes(): ReadonlyArray<RegisteredRoute<T>> {
    return this.#registered.slice();
  }

  #findInTree(method: string, path: string): MatchResult<T> {
    const reason = checkRequestPath(path);
    if (reason !== null) return { type: 'bad-path', reason };
    const route = this.#walk(this.#root, path, 1, 0, method, null);
    if (route !== null) return route.found ?? this.#capture(route, path);

    const methods = new Set<string>();
    this.#walk(this.#root, path, 1, 0, method, methods);
    if (methods.size > 0) {
      const allow = allowList(methods);
      return method === 'OPTIONS'
        ? { type: 'options', allow }
        : { type: 'method-not-allowed', allow };
    }
    const location = this.#canonicalPath(path);
    return location === null ? NOT_FOUND : { type: 'redirect', location };
  }

  /**
   * Depth-first walk from `node` over the segment starting at `start`.
   * Returns the first route, in priority order, that accepts `method`. With
   * `collect`, it instead visits every matching route, adds their methods to
   * `collect` and returns null.
   */
  #walk(
    node: RouteNode<T>,
    path: string,
    start: number,
    depth: number,
    method: string,
    collect: Set<string> | null,
  ): Route<T> | null {
    this.#visits++;
    // A charCodeAt loop, not indexOf: V8 inlines it, and segments are short.
    const length = path.length;
    let end = start;
    while (end < length && path.charCodeAt(end) !== SLASH) end++;
    const last = end === length;

    if (node.statics !== null) {
      const child = node.staticChild(path, start, end);
      if (child !== undefined) {
        const found = last
          ? this.#accept(child, method, collect)
          : this.#walk(child, path, end + 1, depth, method, collect);
        if (found !== null) return found;
      }
    }

    if (end > start) {
      const constrained = node.constrained;
      if (constrained !== null) {
        const value = decodeComponent(path.slice(start, end));
        for (let i = 0; i < constrained.length; i++) {
          const edge = constrained[i]!;
          if (!edge.regex.test(value)) continue;
          const found = this.#follow(edge.node, path, start, end, last, depth, method, collect);
          if (found !== null) return found;
        }
      }
      const param = node.param;
      if (param !== null) {
        const found = this.#follow(param.node, path, start, end, last, depth, method, collect);
        if (found !== null) return found;
      }
    }

    const wildcard = node.wildcard;
    if (wildcard === null) return null;
    this.#captureStarts[depth] = start;
    this.#captureEnds[depth] = path.length;
    return this.#accept(wildcard.node, method, collect);
  }

  /** Captures `path[start, end)` at `depth` and continues into `child`. */
  #follow(
    child: RouteNode<T>,
    path: string,
    start: number,
    end: number,
    last: boolean,
    depth: number,
    method: string,
    collect: Set<string> | null,
  ): Route<T> | null {
    this.#captureStarts[depth] = start;
    this.#captureEnds[depth] = end;
    return last
      ? this.#accept(child, method, collect)
      : this.#walk(child, path, end + 1, depth + 1, method, collect);
  }

  #accept(node: RouteNode<T>, method: string, collect: Set<string> | null): Route<T> | null {
    this.#visits++;
    const handlers = node.handlers;
    if (handlers === null) return null;
    if (collect !== null) {
      for (const name of handlers.keys()) collect.add(name);
      return null;
    }
    if (method === ANY_METHOD) return node.anyRoute;
    const route = handlers.get(method);
    if (route !== undefined) return route;
    return method === 'HEAD' ? (handlers.get('GET') ?? null) : null;
  }

  #capture(route: Route<T>, path: string): FoundMatch<T> {
    const names = route.paramNames;
    const params: Params = {};
    for (let i = 0; i < names.length; i++) {
      const raw = path.slice(this.#captureStarts[i], this.#captureEnds[i]);
      params[names[i]!] = decodeComponent(raw);
    }
    return { type: 'found', value: route.value, params, pattern: route.pattern };
  }

  /** The same path with its trailing slash toggled, when that matches a route. */
  #canonicalPath(path: string): string | null {
    if (path === '/') return null;
    const other = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
    const second = other.charCodeAt(1);
    if (other === '' || second === SLASH || second === BACKSLASH) return null;
    return this.#walk(this.#root, other, 1, 0, ANY_METHOD, null) === null ? null : other;
  }

  #addStatic(method: string, segments: readonly PatternSegment[], found: FoundMatch<T>): void {
    let byPath = this.#staticByMethod.get(method);
    if (byPath === undefined) {
      byPath = new Map();
      this.#staticByMethod.set(method, byPath);
    }
    // The path as written and its fully percent-encoded form (they differ
    // only for non-ASCII segments).
    let written = '';
    let encoded = '';
    for (const segment of segments) {
      if (segment.kind !== 'static') return;
      written += `/${segment.keys[0]!}`;
      encoded += `/${segment.keys[segment.keys.length - 1]!}`;
    }
    byPath.set(written, found);
    byPath.set(encoded, found);
  }
}
