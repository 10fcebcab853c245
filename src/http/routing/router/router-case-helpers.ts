// Helpers shared by the reusable router case suites (`*.case.ts`). They are
// plain modules, not test files: a `*.test.ts` imports them and passes the
// router implementation under test.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MatchResult, Params } from './match-result.ts';

/** What the case suites need from a router implementation. */
export interface RouterUnderTest<T> {
  add(method: string, pattern: string, value: T): void;
  find(method: string, path: string): MatchResult<T>;
  routes(): ReadonlyArray<{ method: string; pattern: string; value: T }>;
}

export type RouterFactory = <T>() => RouterUnderTest<T>;

/** `describe` without a floating promise (node:test queues it either way). */
export function group(name: string, body: () => void): void {
  void describe(name, body);
}

/** `test` without a floating promise. */
export function it(name: string, body: () => void): void {
  void test(name, body);
}

export type RouteSpec = readonly [method: string, pattern: string];

/** A router whose value for each route is `"METHOD pattern"`. */
export function routerWith(
  newRouter: RouterFactory,
  routes: readonly RouteSpec[],
): RouterUnderTest<string> {
  const router = newRouter<string>();
  for (const [method, pattern] of routes) router.add(method, pattern, `${method} ${pattern}`);
  return router;
}

/** Asserts a `found` result for the route registered as `routeKey` ("METHOD pattern"). */
export function assertFound(result: MatchResult<string>, routeKey: string, params: Params = {}) {
  if (result.type !== 'found') {
    assert.fail(`expected ${routeKey}, got ${JSON.stringify(result)}`);
  }
  assert.equal(result.value, routeKey);
  assert.equal(result.pattern, routeKey.slice(routeKey.indexOf(' ') + 1));
  assert.deepEqual({ ...result.params }, params);
}

export function assertNotFound(result: MatchResult<unknown>): void {
  assert.deepEqual(result, { type: 'not-found' });
}

export function assertBadPath(result: MatchResult<unknown>): void {
  assert.equal(result.type, 'bad-path', `expected bad-path, got ${JSON.stringify(result)}`);
}

export function assertRedirect(result: MatchResult<unknown>, location: string): void {
  assert.deepEqual(result, { type: 'redirect', location });
}

export function assertNotAllowed(result: MatchResult<unknown>, allow: readonly string[]): void {
  assert.deepEqual(result, { type: 'method-not-allowed', allow });
}

export function assertOptions(result: MatchResult<unknown>, allow: readonly string[]): void {
  assert.deepEqual(result, { type: 'options', allow });
}
