// Router cases for registration: conflicts and invalid patterns fail at
// `add` with a clear message, `routes()` lists what was registered, and
// thousands of routes keep resolving.

import assert from 'node:assert/strict';
import {
  assertFound,
  group,
  it,
  routerWith,
  type RouterFactory,
  type RouteSpec,
} from './router-case-helpers.ts';

/** Asserts that registering `last` after `before` throws an error whose message matches all of `parts`. */
function assertRefused(
  newRouter: RouterFactory,
  before: readonly RouteSpec[],
  last: RouteSpec,
  errorName: string,
  parts: readonly (string | RegExp)[],
): void {
  const router = routerWith(newRouter, before);
  assert.throws(
    () => {
      router.add(last[0], last[1], 'refused');
    },
    (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, errorName);
      for (const part of parts) {
        if (typeof part === 'string') assert.ok(error.message.includes(part), error.message);
        else assert.match(error.message, part);
      }
      return true;
    },
  );
}

export function runRegistrationCases(newRouter: RouterFactory): void {
  const conflict = 'RouteConflictError';
  const invalid = 'InvalidRoutePatternError';

  group('route conflicts', () => {
    it('refuses the same method and pattern twice', () => {
      assertRefused(newRouter, [['GET', '/users/:id']], ['GET', '/users/:id'], conflict, [
        'GET',
        '/users/:id',
      ]);
    });
    it('accepts the same pattern under another method', () => {
      const router = routerWith(newRouter, [
        ['GET', '/users/:id'],
        ['PUT', '/users/:id'],
      ]);
      assertFound(router.find('PUT', '/users/1'), 'PUT /users/:id', { id: '1' });
    });
    it('refuses two parameter names at one position, naming both patterns', () => {
      assertRefused(newRouter, [['GET', '/users/:id']], ['GET', '/users/:userId/posts'], conflict, [
        '"/users/:id"',
        '"/users/:userId/posts"',
        ':id',
        ':userId',
      ]);
    });
    it('refuses it across methods too', () => {
      assertRefused(newRouter, [['GET', '/users/:id']], ['POST', '/users/:key'], conflict, [
        'POST',
        '/users/:id',
        '/users/:key',
      ]);
    });
    it('refuses two wildcard names at one position', () => {
      assertRefused(newRouter, [['GET', '/files/*path']], ['POST', '/files/*rest'], conflict, [
        '/files/*path',
        '/files/*rest',
      ]);
    });
    it('refuses two names for one constrained parameter', () => {
      assertRefused(newRouter, [['GET', '/v/{id:\\d+}']], ['GET', '/v/{num:\\d+}/x'], conflict, [
        '/v/{id:\\d+}',
        '/v/{num:\\d+}/x',
      ]);
    });
    it('treats both regex spellings as the same route', () => {
      assertRefused(newRouter, [['GET', '/r/:id(\\d+)']], ['GET', '/r/{id:\\d+}'], conflict, [
        '/r/:id(\\d+)',
        '/r/{id:\\d+}',
      ]);
    });
    it('treats a Unicode pattern and its encoded form as the same route', () => {
      assertRefused(newRouter, [['GET', '/café']], ['GET', '/caf%C3%A9'], conflict, ['/café']);
    });
    it('leaves the router unchanged after a refused route', () => {
      const router = routerWith(newRouter, [['GET', '/users/:id']]);
      assert.throws(() => {
        router.add('GET', '/users/:other/x', 'refused');
      });
      assert.deepEqual(
        router.routes().map((route) => route.pattern),
        ['/users/:id'],
      );
      router.add('GET', '/users/:id/x', 'GET /users/:id/x');
      assertFound(router.find('GET', '/users/1/x'), 'GET /users/:id/x', { id: '1' });
    });
  });

  group('invalid patterns', () => {
    const cases: readonly [pattern: string, problem: string | RegExp][] = [
      ['/files/*path/more', /wildcard "\*path" must be the last segment/],
      ['/files/*path/', /must be the last segment/],
      ['/x/{id:[0-9}', /unbalanced/],
      ['/x/{id:(}', /invalid regular expression/],
      ['/x/:id(a)|(b)', /whole segment|invalid regular expression/],
      ['/x/{id:a)|(b}', /invalid regular expression/],
      ['/x/{id:}', /empty regular expression/],
      ['/x/:', /empty parameter name/],
      ['/x/{}', /empty parameter name/],
      ['/x/{:\\d+}', /empty parameter name/],
      ['/x/:(\\d+)', /empty parameter name/],
      ['/x/*', /empty parameter name/],
      ['/x/:id/:id', /"id" is used twice/],
      ['/x/:id/*id', /"id" is used twice/],
      ['/x/:id.json', /whole segment/],
      ['/x/{id}.json', /whole segment/],
      ['/x/{user-id}', /parameter name "user-id"/],
      ['/x/:__proto__', /reserved/],
      ['x/y', /start with "\/"/],
      ['', /start with "\/"/],
      ['/a//b', /empty segment/],
      ['//', /empty segment/],
      ['/a/../b', /dot segment/],
      ['/a/./b', /dot segment/],
      ['/a/%2e%2e', /dot segment/],
      ['/a/%zz', /percent-encoding/],
      ['/a b', /whitespace/],
      ['/a?b', /"\?"/],
      ['/a#b', /"#"/],
      ['/bad\ud800', /Unicode/],
    ];
    for (const [pattern, problem] of cases) {
      it(`refuses ${JSON.stringify(pattern)}`, () => {
        assertRefused(newRouter, [], ['GET', pattern], invalid, [problem, `"${pattern}"`]);
      });
    }
    it('refuses a method that is not a token', () => {
      const router = newRouter<string>();
      assert.throws(() => {
        router.add('GE T', '/x', 'x');
      }, /Invalid HTTP method/);
      assert.throws(() => {
        router.add('', '/x', 'x');
      }, /Invalid HTTP method/);
    });
  });

  group('routes()', () => {
    it('lists routes in registration order with their values', () => {
      const router = newRouter<number>();
      router.add('POST', '/b', 1);
      router.add('GET', '/a/:id', 2);
      router.add('GET', '/b', 3);
      assert.deepEqual(
        router.routes().map(({ method, pattern, value }) => ({ method, pattern, value })),
        [
          { method: 'POST', pattern: '/b', value: 1 },
          { method: 'GET', pattern: '/a/:id', value: 2 },
          { method: 'GET', pattern: '/b', value: 3 },
        ],
      );
    });
    it('is not changed by changing the returned array', () => {
      const router = routerWith(newRouter, [['GET', '/a']]);
      const listed = router.routes() as { method: string; pattern: string; value: string }[];
      listed.length = 0;
      assert.equal(router.routes().length, 1);
    });
  });

  group('many routes', () => {
    const count = 2_000;
    const router = newRouter<number>();
    for (let i = 0; i < count; i++) {
      router.add('GET', `/static/${i}`, i);
      router.add('GET', `/p${i}/:id/items/{n:\\d+}`, i);
    }
    it('resolves every static route', () => {
      for (let i = 0; i < count; i++) {
        const result = router.find('GET', `/static/${i}`);
        assert.ok(result.type === 'found' && result.value === i);
      }
    });
    it('resolves every parameterised route with its params', () => {
      for (let i = 0; i < count; i += 7) {
        const result = router.find('GET', `/p${i}/u${i}/items/${i}`);
        assert.ok(result.type === 'found' && result.value === i);
        assert.deepEqual({ ...result.params }, { id: `u${i}`, n: String(i) });
      }
    });
    it('still answers not-found and 405 correctly', () => {
      assert.deepEqual(router.find('GET', `/static/${count}`), { type: 'not-found' });
      assert.equal(router.find('POST', '/static/5').type, 'method-not-allowed');
    });
  });
}
