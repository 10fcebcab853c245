// One node of the segment tree. A node stands for a path prefix; its edges
// say what the next segment may be, tried in priority order: static children
// (one Map lookup), constrained parameters (in registration order), the
// plain parameter, then the wildcard.

import type { FoundMatch } from './match-result.ts';

export interface Route<T> {
  readonly method: string;
  readonly pattern: string;
  readonly value: T;
  /** Names of the captured values, in path order. */
  readonly paramNames: readonly string[];
  /** Precomputed, frozen result for routes without parameters: matching them allocates nothing. */
  readonly found: FoundMatch<T> | null;
}

export interface NamedEdge<T> {
  readonly name: string;
  /** The pattern that created the edge, for conflict messages. */
  readonly pattern: string;
  readonly node: RouteNode<T>;
}

export interface ConstrainedEdge<T> extends NamedEdge<T> {
  readonly source: string;
  readonly regex: RegExp;
}

/**
 * Up to this many static children are also kept in parallel arrays and
 * compared in place (`startsWith` at an offset): no substring is allocated or
 * hashed. Wider fan-outs use the Map alone.
 */
export const SMALL_FANOUT = 6;

export class RouteNode<T> {
  statics: Map<string, RouteNode<T>> | null = null;
  /** Keys and nodes of `statics` while it has at most SMALL_FANOUT entries, else null. */
  staticKeys: string[] | null = null;
  staticNodes: RouteNode<T>[] | null = null;
  constrained: ConstrainedEdge<T>[] | null = null;
  param: NamedEdge<T> | null = null;
  wildcard: NamedEdge<T> | null = null;
  /** Routes ending here, by method. */
  handlers: Map<string, Route<T>> | null = null;
  /** The first route registered here: answers "does anything end here?" in one read. */
  anyRoute: Route<T> | null = null;
  /** Names captured on the way from the root; the same for every route ending here. */
  readonly paramNames: readonly string[];

  constructor(paramNames: readonly string[]) {
    this.paramNames = paramNames;
  }

  /** Adds a static child under `key` (or points `key` at an existing one). */
  setStatic(key: string, child: RouteNode<T>): void {
    const statics = (this.statics ??= new Map());
    if (statics.get(key) === child) return;
    statics.set(key, child);
    if (statics.size > SMALL_FANOUT) {
      this.staticKeys = null;
      this.staticNodes = null;
    } else {
      this.staticKeys = [...statics.keys()];
      this.staticNodes = [...statics.values()];
    }
  }

  /** The static child for `path[start, end)`, without allocating when the fan-out is small. */
  staticChild(path: string, start: number, end: number): RouteNode<T> | undefined {
    const keys = this.staticKeys;
    if (keys === null) return this.statics?.get(path.slice(start, end));
    const length = end - start;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key.length !== length) continue;
      // Compared in place with charCodeAt, which V8 inlines (startsWith at an offset is a call).
      let same = 0;
      while (same < length && key.charCodeAt(same) === path.charCodeAt(start + same)) same++;
      if (same === length) return this.staticNodes![i];
    }
    return undefined;
  }
}
