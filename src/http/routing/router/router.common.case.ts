// The reusable router case suite: every router implementation must pass it.
// `runRouterCases(factory)` declares the describe/test blocks; this file
// holds the matching cases, the sibling `router-*.case.ts` files the method,
// path-safety and registration cases.

import assert from 'node:assert/strict';
import {
  assertFound,
  assertNotFound,
  assertRedirect,
  group,
  it,
  routerWith,
  type RouterFactory,
  type RouteSpec,
} from './router-case-helpers.ts';
import { runMethodCases } from './router-methods.case.ts';
import { runPathCases } from './router-paths.case.ts';
import { runRegistrationCases } from './router-registration.case.ts';

export type { RouterFactory, RouterUnderTest } from './router-case-helpers.ts';

export function runRouterCases(newRouter: RouterFactory): void {
  runMatchingCases(newRouter);
  runMethodCases(newRouter);
  runPathCases(newRouter);
  runRegistrationCases(newRouter);
}

/** Every order of `items` (for "regardless of registration order" checks). */
function permutations<I>(items: readonly I[]): I[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

function runMatchingCases(newRouter: RouterFactory): void {
  group('static routes', () => {
    const router = routerWith(newRouter, [
      ['GET', '/'],
      ['GET', '/users'],
      ['GET', '/users/all'],
      ['GET', '/a/b/c/d/e'],
    ]);
    it('matches the root', () => {
      assertFound(router.find('GET', '/'), 'GET /');
    });
    it('matches a single segment', () => {
      assertFound(router.find('GET', '/users'), 'GET /users');
    });
    it('matches nested segments', () => {
      assertFound(router.find('GET', '/users/all'), 'GET /users/all');
      assertFound(router.find('GET', '/a/b/c/d/e'), 'GET /a/b/c/d/e');
    });
    it('does not match a prefix or an extension of a route', () => {
      assertNotFound(router.find('GET', '/users/al'));
      assertNotFound(router.find('GET', '/users/alll'));
      assertNotFound(router.find('GET', '/a/b/c'));
      assertNotFound(router.find('GET', '/a/b/c/d/e/f'));
    });
    it('is case-sensitive', () => {
      assertNotFound(router.find('GET', '/Users'));
      assertNotFound(router.find('GET', '/USERS/ALL'));
    });
    it('gives empty params', () => {
      const result = router.find('GET', '/users');
      assert.ok(result.type === 'found');
      assert.deepEqual(Object.keys(result.params), []);
    });
    it('does not treat an empty segment as a match', () => {
      assertNotFound(router.find('GET', '//users'));
      assertNotFound(router.find('GET', '/users//all'));
    });
  });

  group('parameters', () => {
    const router = routerWith(newRouter, [
      ['GET', '/users/:id'],
      ['GET', '/users/:id/posts/:postId'],
      ['GET', '/orgs/:org/repos/:repo/issues/:number/comments'],
      ['GET', '/:lang/docs'],
    ]);
    it('captures one parameter', () => {
      assertFound(router.find('GET', '/users/42'), 'GET /users/:id', { id: '42' });
    });
    it('captures several parameters', () => {
      assertFound(router.find('GET', '/users/7/posts/99'), 'GET /users/:id/posts/:postId', {
        id: '7',
        postId: '99',
      });
      assertFound(
        router.find('GET', '/orgs/acme/repos/site/issues/12/comments'),
        'GET /orgs/:org/repos/:repo/issues/:number/comments',
        { org: 'acme', repo: 'site', number: '12' },
      );
    });
    it('captures a parameter in the first segment', () => {
      assertFound(router.find('GET', '/en/docs'), 'GET /:lang/docs', { lang: 'en' });
    });
    it('never matches an empty segment', () => {
      assertNotFound(router.find('GET', '/users//posts/1'));
      assertNotFound(router.find('GET', '//docs'));
    });
    it('keeps punctuation in values as it is', () => {
      assertFound(router.find('GET', "/users/a-b.c_d~e@f:g!h$'(*),;="), 'GET /users/:id', {
        id: "a-b.c_d~e@f:g!h$'(*),;=",
      });
    });
    it('builds a fresh params object for each match', () => {
      const first = router.find('GET', '/users/1');
      const second = router.find('GET', '/users/2');
      assertFound(first, 'GET /users/:id', { id: '1' });
      assertFound(second, 'GET /users/:id', { id: '2' });
    });
    it('does not match more segments than the pattern has', () => {
      assertNotFound(router.find('GET', '/users/1/posts'));
      assertNotFound(router.find('GET', '/users/1/posts/2/x'));
    });
  });

  group('constrained parameters', () => {
    const router = routerWith(newRouter, [
      ['GET', '/colon/:id(\\d+)'],
      ['GET', '/brace/{id:\\d+}'],
      ['GET', '/code/{code:[A-Z]{3}}'],
      ['GET', '/format/{fmt:json|xml}'],
      ['GET', '/words/{text:[a-z ]+}'],
      ['GET', '/class/{v:[^/]+}/end'],
      ['GET', '/span/{all:.+}'],
      ['GET', '/item/{id:\\d+}'],
      ['GET', '/item/{slug:[a-z-]+}'],
      ['GET', '/item/:other'],
    ]);
    it('accepts the :name(regex) spelling', () => {
      assertFound(router.find('GET', '/colon/123'), 'GET /colon/:id(\\d+)', { id: '123' });
      assertNotFound(router.find('GET', '/colon/abc'));
    });
    it('accepts the {name:regex} spelling', () => {
      assertFound(router.find('GET', '/brace/123'), 'GET /brace/{id:\\d+}', { id: '123' });
      assertNotFound(router.find('GET', '/brace/abc'));
    });
    it('anchors the regex to the whole segment', () => {
      assertNotFound(router.find('GET', '/brace/12abc'));
      assertNotFound(router.find('GET', '/brace/abc12'));
      assertNotFound(router.find('GET', '/format/jsonx'));
      assertNotFound(router.find('GET', '/format/xjson'));
      assertFound(router.find('GET', '/format/xml'), 'GET /format/{fmt:json|xml}', { fmt: 'xml' });
    });
    it('parses quantifier braces and character classes inside the regex', () => {
      assertFound(router.find('GET', '/code/ABC'), 'GET /code/{code:[A-Z]{3}}', { code: 'ABC' });
      assertNotFound(router.find('GET', '/code/ABCD'));
      assertFound(router.find('GET', '/class/x/end'), 'GET /class/{v:[^/]+}/end', { v: 'x' });
    });
    it('tests the decoded segment', () => {
      assertFound(router.find('GET', '/words/hello%20world'), 'GET /words/{text:[a-z ]+}', {
        text: 'hello world',
      });
    });
    it('never spans segments, even with a regex that matches "/"', () => {
      assertFound(router.find('GET', '/span/a'), 'GET /span/{all:.+}', { all: 'a' });
      assertNotFound(router.find('GET', '/span/a/b'));
    });
    it('picks among constrained parameters by value, then falls back to the plain one', () => {
      assertFound(router.find('GET', '/item/12'), 'GET /item/{id:\\d+}', { id: '12' });
      assertFound(router.find('GET', '/item/a-b'), 'GET /item/{slug:[a-z-]+}', { slug: 'a-b' });
      assertFound(router.find('GET', '/item/A_1'), 'GET /item/:other', { other: 'A_1' });
    });
    it('lets identical constrained parameters share a node', () => {
      const shared = routerWith(newRouter, [
        ['GET', '/u/{id:\\d+}'],
        ['GET', '/u/:id(\\d+)/posts'],
        ['PUT', '/u/{id:\\d+}'],
      ]);
      assertFound(shared.find('GET', '/u/5'), 'GET /u/{id:\\d+}', { id: '5' });
      assertFound(shared.find('GET', '/u/5/posts'), 'GET /u/:id(\\d+)/posts', { id: '5' });
      assertFound(shared.find('PUT', '/u/5'), 'PUT /u/{id:\\d+}', { id: '5' });
    });
  });

  group('wildcards', () => {
    const router = routerWith(newRouter, [
      ['GET', '/files/*path'],
      ['GET', '/files/special'],
      ['GET', '/files/:name/meta'],
      ['GET', '/assets/:version/*rest'],
    ]);
    it('captures the rest of the path, slashes included', () => {
      assertFound(router.find('GET', '/files/a/b/c.txt'), 'GET /files/*path', {
        path: 'a/b/c.txt',
      });
      assertFound(router.find('GET', '/files/one'), 'GET /files/*path', { path: 'one' });
    });
    it('matches an empty rest after the slash', () => {
      assertFound(router.find('GET', '/files/'), 'GET /files/*path', { path: '' });
    });
    it('does not match without the slash, but redirects to it', () => {
      assertRedirect(router.find('GET', '/files'), '/files/');
    });
    it('keeps empty segments in the rest', () => {
      assertFound(router.find('GET', '/files/a//b/'), 'GET /files/*path', { path: 'a//b/' });
    });
    it('decodes the captured rest', () => {
      assertFound(router.find('GET', '/files/a%20b/%E2%9C%93'), 'GET /files/*path', {
        path: 'a b/✓',
      });
    });
    it('combines with parameters before it', () => {
      assertFound(router.find('GET', '/assets/v2/css/site.css'), 'GET /assets/:version/*rest', {
        version: 'v2',
        rest: 'css/site.css',
      });
    });
    it('loses to static and parameter routes', () => {
      assertFound(router.find('GET', '/files/special'), 'GET /files/special');
      assertFound(router.find('GET', '/files/x/meta'), 'GET /files/:name/meta', { name: 'x' });
      assertFound(router.find('GET', '/files/x/meta/more'), 'GET /files/*path', {
        path: 'x/meta/more',
      });
    });
    it('at the root catches every path, "/" included', () => {
      const all = routerWith(newRouter, [['GET', '/*all']]);
      assertFound(all.find('GET', '/'), 'GET /*all', { all: '' });
      assertFound(all.find('GET', '/x/y'), 'GET /*all', { all: 'x/y' });
    });
  });

  group('priority regardless of registration order', () => {
    const routes: RouteSpec[] = [
      ['GET', '/p/new'],
      ['GET', '/p/{id:\\d+}'],
      ['GET', '/p/:slug'],
      ['GET', '/p/*rest'],
    ];
    it('static > constrained > plain > wildcard in all 24 orders', () => {
      for (const order of permutations(routes)) {
        const router = routerWith(newRouter, order);
        const label = order.map(([, pattern]) => pattern).join(', ');
        assertFound(router.find('GET', '/p/new'), 'GET /p/new');
        assertFound(router.find('GET', '/p/42'), 'GET /p/{id:\\d+}', { id: '42' });
        assertFound(router.find('GET', '/p/hello'), 'GET /p/:slug', { slug: 'hello' });
        assertFound(router.find('GET', '/p/a/b'), 'GET /p/*rest', { rest: 'a/b' });
        assert.equal(router.routes().length, 4, label);
      }
    });
    it('puts constrained parameters before the plain one even when registered after', () => {
      const router = routerWith(newRouter, [
        ['GET', '/q/:any'],
        ['GET', '/q/{n:\\d+}'],
      ]);
      assertFound(router.find('GET', '/q/7'), 'GET /q/{n:\\d+}', { n: '7' });
      assertFound(router.find('GET', '/q/x'), 'GET /q/:any', { any: 'x' });
    });
  });

  group('backtracking', () => {
    it('falls back from a static segment to a parameter', () => {
      const router = routerWith(newRouter, [
        ['GET', '/users/new'],
        ['GET', '/users/:id/edit'],
      ]);
      assertFound(router.find('GET', '/users/new/edit'), 'GET /users/:id/edit', { id: 'new' });
      assertFound(router.find('GET', '/users/new'), 'GET /users/new');
    });
    it('backtracks over several levels', () => {
      const router = routerWith(newRouter, [
        ['GET', '/a/b/c/d'],
        ['GET', '/a/:x/c/e'],
        ['GET', '/a/b/:y/f'],
      ]);
      assertFound(router.find('GET', '/a/b/c/e'), 'GET /a/:x/c/e', { x: 'b' });
      assertFound(router.find('GET', '/a/b/c/f'), 'GET /a/b/:y/f', { y: 'c' });
    });
    it('falls back from a constrained to a plain parameter', () => {
      const router = routerWith(newRouter, [
        ['GET', '/n/{id:\\d+}/x'],
        ['GET', '/n/:slug/y'],
      ]);
      assertFound(router.find('GET', '/n/12/y'), 'GET /n/:slug/y', { slug: '12' });
    });
    it('falls back to a wildcard', () => {
      const router = routerWith(newRouter, [
        ['GET', '/s/:a/end'],
        ['GET', '/s/*rest'],
      ]);
      assertFound(router.find('GET', '/s/q/other'), 'GET /s/*rest', { rest: 'q/other' });
      assertFound(router.find('GET', '/s/q/end'), 'GET /s/:a/end', { a: 'q' });
    });
    it('does not leak captures from abandoned branches', () => {
      const router = routerWith(newRouter, [
        ['GET', '/p/:a/:b/x'],
        ['GET', '/p/c/:d'],
      ]);
      assertFound(router.find('GET', '/p/c/z'), 'GET /p/c/:d', { d: 'z' });
      assertFound(router.find('GET', '/p/c/z/x'), 'GET /p/:a/:b/x', { a: 'c', b: 'z' });
    });
  });
}
