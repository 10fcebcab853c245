// Router cases for the request path itself: percent-decoding, malformed
// encodings, traversal attempts, Unicode and very long paths.

import assert from 'node:assert/strict';
import {
  assertBadPath,
  assertFound,
  assertNotFound,
  group,
  it,
  routerWith,
  type RouterFactory,
} from './router-case-helpers.ts';

export function runPathCases(newRouter: RouterFactory): void {
  const routes = [
    ['GET', '/users/:name'],
    ['GET', '/files/*path'],
    ['GET', '/static/logo.png'],
    ['GET', '/caf%C3%A9'],
    ['GET', '/café/menu'],
    ['GET', '/日本/:city'],
    ['GET', '/b'],
  ] as const;
  const router = routerWith(newRouter, routes);

  group('percent-decoding', () => {
    it('decodes captured parameters', () => {
      assertFound(router.find('GET', '/users/John%20Doe'), 'GET /users/:name', {
        name: 'John Doe',
      });
    });
    it('decodes multi-byte UTF-8', () => {
      assertFound(router.find('GET', '/users/%E6%97%A5%E6%9C%AC'), 'GET /users/:name', {
        name: '日本',
      });
      assertFound(router.find('GET', '/users/%F0%9F%98%80'), 'GET /users/:name', { name: '😀' });
    });
    it('decodes %2F inside one segment without splitting it', () => {
      assertFound(router.find('GET', '/users/a%2Fb'), 'GET /users/:name', { name: 'a/b' });
    });
    it('does not turn "+" into a space (that is a query-string rule)', () => {
      assertFound(router.find('GET', '/users/a+b'), 'GET /users/:name', { name: 'a+b' });
    });
    it('matches static segments on the raw path', () => {
      assertFound(router.find('GET', '/caf%C3%A9'), 'GET /caf%C3%A9');
      assertNotFound(router.find('GET', '/caf%c3%a9'));
      assertNotFound(router.find('GET', '/static/logo%2Epng'));
    });
  });

  group('unicode segments', () => {
    it('matches a Unicode static pattern in its percent-encoded wire form', () => {
      assertFound(router.find('GET', '/caf%C3%A9/menu'), 'GET /café/menu');
    });
    it('matches a Unicode static pattern written as it is', () => {
      assertFound(router.find('GET', '/café/menu'), 'GET /café/menu');
    });
    it('matches Unicode static segments before a parameter', () => {
      assertFound(router.find('GET', '/%E6%97%A5%E6%9C%AC/%E6%9D%B1%E4%BA%AC'), 'GET /日本/:city', {
        city: '東京',
      });
    });
    it('captures raw Unicode values as they are', () => {
      assertFound(router.find('GET', '/users/zoë'), 'GET /users/:name', { name: 'zoë' });
    });
  });

  group('malformed encodings', () => {
    for (const path of [
      '/users/%zz',
      '/users/%E0%A4%A',
      '/users/abc%',
      '/users/%4',
      '/users/%C0%AF',
      '/users/%ED%A0%80',
      '/files/ok/%FF',
    ]) {
      it(`refuses ${path}`, () => {
        assertBadPath(router.find('GET', path));
      });
    }
    it('refuses them even where no route could match', () => {
      assertBadPath(router.find('GET', '/nowhere/%zz/at/all'));
    });
    it('refuses a path that does not start with "/"', () => {
      assertBadPath(router.find('GET', 'users/x'));
      assertBadPath(router.find('GET', ''));
      assertBadPath(router.find('GET', '*'));
    });
  });

  group('traversal attempts', () => {
    for (const path of [
      '/files/../etc/passwd',
      '/files/./x',
      '/files/a/..',
      '/files/%2e%2e/etc',
      '/files/%2E%2E/etc',
      '/files/%2E./etc',
      '/files/.%2e/etc',
      '/files/%2e/etc',
      '/files/a/%2e%2e/b',
      '/users/..%2fetc',
      '/users/..%2Fetc',
      '/users/x%2f..',
      '/users/x%2F..%2Fy',
      '/users/..%5cwin',
      '/users/%2e%2e%5cwin',
      '/users/a%00b',
      '/files/a%00',
      '/users/..',
      '/..',
      '/b/..',
    ]) {
      it(`refuses ${path}`, () => {
        assertBadPath(router.find('GET', path));
      });
    }
    it('reports why', () => {
      const result = router.find('GET', '/files/%2e%2e/etc');
      assert.ok(result.type === 'bad-path' && /dot segment/.test(result.reason));
      const nul = router.find('GET', '/users/%00');
      assert.ok(nul.type === 'bad-path' && /NUL/.test(nul.reason));
      const malformed = router.find('GET', '/users/%zz');
      assert.ok(malformed.type === 'bad-path' && /percent-encoding/.test(malformed.reason));
    });
    it('accepts names that only look like dot segments', () => {
      assertFound(router.find('GET', '/users/...'), 'GET /users/:name', { name: '...' });
      assertFound(router.find('GET', '/users/..a'), 'GET /users/:name', { name: '..a' });
      assertFound(router.find('GET', '/users/.hidden'), 'GET /users/:name', { name: '.hidden' });
      assertFound(router.find('GET', '/files/a..b/c.d'), 'GET /files/*path', { path: 'a..b/c.d' });
      assertFound(router.find('GET', '/users/%2e%2e%2e'), 'GET /users/:name', { name: '...' });
    });
  });

  group('very long paths', () => {
    it('captures a 100,000-character parameter', () => {
      const name = 'x'.repeat(100_000);
      assertFound(router.find('GET', `/users/${name}`), 'GET /users/:name', { name });
    });
    it('captures a wildcard over 10,000 segments', () => {
      const rest = Array.from({ length: 10_000 }, (_, i) => `s${i}`).join('/');
      assertFound(router.find('GET', `/files/${rest}`), 'GET /files/*path', { path: rest });
    });
    it('answers not-found for 50,000 segments without a matching route', () => {
      assertNotFound(router.find('GET', '/a'.repeat(50_000)));
    });
    it('matches a pattern of 200 segments with 100 parameters', () => {
      const deep = newRouter<string>();
      const pattern = Array.from({ length: 100 }, (_, i) => `/s${i}/:p${i}`).join('');
      deep.add('GET', pattern, 'deep');
      const path = Array.from({ length: 100 }, (_, i) => `/s${i}/v${i}`).join('');
      const result = deep.find('GET', path);
      assert.ok(result.type === 'found');
      assert.equal(Object.keys(result.params).length, 100);
      assert.equal(result.params.p99, 'v99');
    });
  });
}
