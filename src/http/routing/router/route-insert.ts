// Registration side of the segment tree: walks a parsed pattern down from the
// root, creating missing nodes, and refuses patterns that would make one
// position of the tree ambiguous.

import type { PatternSegment } from './pattern.ts';
import { RouteNode, type ConstrainedEdge, type NamedEdge } from './route-node.ts';

export class RouteConflictError extends Error {
  override readonly name = 'RouteConflictError';
  readonly method: string;
  readonly pattern: string;
  readonly existingPattern: string;

  constructor(method: string, pattern: string, existingPattern: string, problem: string) {
    super(`Route conflict for ${method} "${pattern}": ${problem}`);
    this.method = method;
    this.pattern = pattern;
    this.existingPattern = existingPattern;
  }
}

/**
 * The node that `segments` lead to from `root`, created as needed. A conflict
 * is found only at an edge that already exists, which comes before any node
 * this call creates: a refused pattern leaves the tree unchanged.
 */
export function insertPath<T>(
  root: RouteNode<T>,
  segments: readonly PatternSegment[],
  method: string,
  pattern: string,
): RouteNode<T> {
  let node = root;
  for (const segment of segments) node = descend(node, segment, method, pattern);
  return node;
}

function descend<T>(
  node: RouteNode<T>,
  segment: PatternSegment,
  method: string,
  pattern: string,
): RouteNode<T> {
  if (segment.kind === 'static') {
    let child: RouteNode<T> | undefined;
    for (const key of segment.keys) child ??= node.statics?.get(key);
    child ??= new RouteNode<T>(node.paramNames);
    // Every spelling of the segment (as written, percent-encoded) leads to the same node.
    for (const key of segment.keys) node.setStatic(key, child);
    return child;
  }
  const paramNames = [...node.paramNames, segment.name];
  switch (segment.kind) {
    case 'constrained': {
      const constrained = (node.constrained ??= []);
      // Same regex, same position: one node, whatever the spelling.
      const same = constrained.find((edge) => edge.source === segment.source);
      if (same !== undefined) return reuse(same, segment.name, method, pattern, '');
      const edge: ConstrainedEdge<T> = {
        name: segment.name,
        pattern,
        node: new RouteNode<T>(paramNames),
        source: segment.source,
        regex: segment.regex,
      };
      constrained.push(edge);
      return edge.node;
    }
    case 'param':
      if (node.param !== null) return reuse(node.param, segment.name, method, pattern, ':');
      node.param = { name: segment.name, pattern, node: new RouteNode<T>(paramNames) };
      return node.param.node;
    case 'wildcard':
      if (node.wildcard !== null) return reuse(node.wildcard, segment.name, method, pattern, '*');
      node.wildcard = { name: segment.name, pattern, node: new RouteNode<T>(paramNames) };
      return node.wildcard.node;
  }
}

/**
 * Follows an existing edge. A second name for the same position is refused:
 * the captured value would silently carry whichever name registered first.
 */
function reuse<T>(
  edge: NamedEdge<T>,
  name: string,
  method: string,
  pattern: string,
  sigil: string,
): RouteNode<T> {
  if (edge.name === name) return edge.node;
  const what = sigil === '' ? 'constrained parameter (same regular expression)' : 'parameter';
  throw new RouteConflictError(
    method,
    pattern,
    edge.pattern,
    `its ${what} "${sigil}${name}" sits where "${edge.pattern}" has "${sigil}${edge.name}"; ` +
      'one position of the tree takes one name',
  );
}
