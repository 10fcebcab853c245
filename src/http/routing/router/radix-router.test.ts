import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRoutePatternError, RadixRouter, RouteConflictError } from './radix-router.ts';
import { runRouterCases } from './router.common.case.ts';

runRouterCases(<T>() => new RadixRouter<T>());

/** Routes `/r{i}/:id/x/{n:\d+}` and `/s{i}/page` for i < count, plus a catch-all under /w. */
function routerWithRoutes(count: number): RadixRouter<number> {
  const router = new RadixRouter<number>();
  for (let i = 0; i < count; i++) {
    router.add('GET', `/r${i}/:id/x/{n:\\d+}`, i);
    router.add('GET', `/s${i}/page`, i);
    router.add('POST', `/r${i}/:id/x/{n:\\d+}`, i);
  }
  router.add('GET', '/w/*rest', -1);
  return router;
}

describe('RadixRouter matching cost', () => {
  const small = routerWithRoutes(10);
  const large = routerWithRoutes(5_000);
  const lookups: readonly [method: string, path: string, type: string][] = [
    ['GET', '/r3/abc/x/7', 'found'],
    ['GET', '/r3/abc/x/seven', 'not-found'],
    ['DELETE', '/r3/abc/x/7', 'method-not-allowed'],
    ['GET', '/r3/abc/x/7/', 'redirect'],
    ['GET', '/w/a/b/c/d', 'found'],
    ['GET', '/nowhere/at/all', 'not-found'],
  ];

  for (const [method, path, type] of lookups) {
    test(`visits as many nodes with 5,000 routes as with 10: ${method} ${path}`, () => {
      const few = small.findWithStats(method, path);
      const many = large.findWithStats(method, path);
      assert.equal(few.result.type, type);
      assert.deepEqual(many.result, few.result);
      assert.equal(many.nodesVisited, few.nodesVisited);
      assert.ok(few.nodesVisited > 0);
      // A handful of visits per segment (match, 405 pass, slash probe), never per route.
      const segments = path.split('/').length;
      assert.ok(many.nodesVisited <= 6 * segments, `${many.nodesVisited} visits`);
    });
  }

  test('a registered static path is one map lookup: no tree node visited', () => {
    assert.equal(large.findWithStats('GET', '/s4999/page').nodesVisited, 0);
    assert.equal(large.findWithStats('HEAD', '/s4999/page').nodesVisited, 0);
  });

  test('findWithStats answers like find', () => {
    assert.deepEqual(
      large.findWithStats('GET', '/r9/q/x/1').result,
      large.find('GET', '/r9/q/x/1'),
    );
  });
});

describe('RadixRouter results and errors', () => {
  test('static results are shared and frozen, so matching them allocates nothing', () => {
    const router = new RadixRouter<string>();
    router.add('GET', '/health', 'h');
    const first = router.find('GET', '/health');
    assert.equal(router.find('GET', '/health'), first);
    assert.ok(Object.isFrozen(first) && first.type === 'found' && Object.isFrozen(first.params));
  });

  test('dynamic results own their params', () => {
    const router = new RadixRouter<string>();
    router.add('GET', '/u/:id', 'u');
    const first = router.find('GET', '/u/1');
    const second = router.find('GET', '/u/1');
    assert.ok(first.type === 'found' && second.type === 'found');
    assert.notEqual(first.params, second.params);
  });

  test('RouteConflictError carries the method and both patterns', () => {
    const router = new RadixRouter<string>();
    router.add('GET', '/users/:id', 'a');
    try {
      router.add('PUT', '/users/:userId', 'b');
      assert.fail('expected a conflict');
    } catch (error) {
      assert.ok(error instanceof RouteConflictError);
      assert.equal(error.method, 'PUT');
      assert.equal(error.pattern, '/users/:userId');
      assert.equal(error.existingPattern, '/users/:id');
    }
  });

  test('invalid patterns throw InvalidRoutePatternError, an Error', () => {
    const router = new RadixRouter<string>();
    assert.throws(() => {
      router.add('GET', '/a/*rest/b', 'x');
    }, InvalidRoutePatternError);
    assert.throws(() => {
      router.add('GET', '/a/*rest/b', 'x');
    }, Error);
    assert.equal(router.routes().length, 0);
  });
});
