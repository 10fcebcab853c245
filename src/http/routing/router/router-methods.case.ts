// Router cases for methods (per-method matching, automatic HEAD and OPTIONS,
// 405 with Allow) and for the trailing-slash redirect policy.

import {
  assertFound,
  assertNotAllowed,
  assertNotFound,
  assertOptions,
  assertRedirect,
  group,
  it,
  routerWith,
  type RouterFactory,
} from './router-case-helpers.ts';

export function runMethodCases(newRouter: RouterFactory): void {
  group('methods', () => {
    const router = routerWith(newRouter, [
      ['GET', '/users/new'],
      ['POST', '/users/:id'],
      ['GET', '/items'],
      ['POST', '/items'],
      ['DELETE', '/items'],
      ['PURGE', '/cache/:key'],
      ['POST', '/forms'],
      ['PUT', '/forms/:id'],
    ]);
    it('keeps a separate value per method on the same path', () => {
      assertFound(router.find('GET', '/items'), 'GET /items');
      assertFound(router.find('POST', '/items'), 'POST /items');
      assertFound(router.find('DELETE', '/items'), 'DELETE /items');
    });
    it('matches per method: a lower-priority route serves a method the higher one lacks', () => {
      assertFound(router.find('POST', '/users/new'), 'POST /users/:id', { id: 'new' });
      assertFound(router.find('GET', '/users/new'), 'GET /users/new');
    });
    it('accepts any token as a method', () => {
      assertFound(router.find('PURGE', '/cache/k1'), 'PURGE /cache/:key', { key: 'k1' });
    });
    it('answers 405 with a sorted Allow that adds HEAD and OPTIONS', () => {
      assertNotAllowed(router.find('PUT', '/items'), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST']);
    });
    it('omits HEAD from Allow when there is no GET', () => {
      assertNotAllowed(router.find('GET', '/forms'), ['OPTIONS', 'POST']);
      assertNotAllowed(router.find('GET', '/cache/k'), ['OPTIONS', 'PURGE']);
    });
    it('unions the methods of every route that matches the path', () => {
      assertNotAllowed(router.find('DELETE', '/users/new'), ['GET', 'HEAD', 'OPTIONS', 'POST']);
      assertNotAllowed(router.find('DELETE', '/users/other'), ['OPTIONS', 'POST']);
    });
    it('treats method names as case-sensitive (RFC 9110 §9.1)', () => {
      assertNotAllowed(router.find('get', '/items'), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST']);
    });
    it('says not-found, not 405, when the path exists under no method', () => {
      assertNotFound(router.find('DELETE', '/nothing/here'));
    });
  });

  group('automatic HEAD', () => {
    const router = routerWith(newRouter, [
      ['GET', '/page'],
      ['GET', '/users/:id'],
      ['GET', '/explicit'],
      ['HEAD', '/explicit'],
      ['GET', '/dyn/:id'],
      ['HEAD', '/dyn/:id'],
      ['POST', '/post-only'],
    ]);
    it('uses the GET route of a static path', () => {
      assertFound(router.find('HEAD', '/page'), 'GET /page');
    });
    it('uses the GET route of a parameterised path', () => {
      assertFound(router.find('HEAD', '/users/3'), 'GET /users/:id', { id: '3' });
    });
    it('lets an explicit HEAD route win', () => {
      assertFound(router.find('HEAD', '/explicit'), 'HEAD /explicit');
      assertFound(router.find('HEAD', '/dyn/1'), 'HEAD /dyn/:id', { id: '1' });
      assertFound(router.find('GET', '/dyn/1'), 'GET /dyn/:id', { id: '1' });
    });
    it('answers 405 when there is no GET either', () => {
      assertNotAllowed(router.find('HEAD', '/post-only'), ['OPTIONS', 'POST']);
    });
  });

  group('automatic OPTIONS', () => {
    const router = routerWith(newRouter, [
      ['GET', '/auto'],
      ['PATCH', '/auto'],
      ['GET', '/auto/:id'],
      ['GET', '/explicit'],
      ['OPTIONS', '/explicit'],
      ['OPTIONS', '/star/:id'],
    ]);
    it('lists the allowed methods for a path that exists', () => {
      assertOptions(router.find('OPTIONS', '/auto'), ['GET', 'HEAD', 'OPTIONS', 'PATCH']);
      assertOptions(router.find('OPTIONS', '/auto/9'), ['GET', 'HEAD', 'OPTIONS']);
    });
    it('lets an explicit OPTIONS route win', () => {
      assertFound(router.find('OPTIONS', '/explicit'), 'OPTIONS /explicit');
      assertFound(router.find('OPTIONS', '/star/1'), 'OPTIONS /star/:id', { id: '1' });
    });
    it('lists OPTIONS in the 405 Allow of a path that has only an OPTIONS route', () => {
      assertNotAllowed(router.find('GET', '/star/1'), ['OPTIONS']);
    });
    it('says not-found for an unknown path', () => {
      assertNotFound(router.find('OPTIONS', '/unknown'));
    });
  });

  group('trailing-slash policy', () => {
    const router = routerWith(newRouter, [
      ['GET', '/about'],
      ['GET', '/docs/'],
      ['GET', '/both'],
      ['GET', '/both/'],
      ['GET', '/users/:id'],
      ['POST', '/submit'],
      ['GET', '/caf%C3%A9'],
    ]);
    it('redirects to the path without the trailing slash', () => {
      assertRedirect(router.find('GET', '/about/'), '/about');
    });
    it('redirects to the path with the trailing slash', () => {
      assertRedirect(router.find('GET', '/docs'), '/docs/');
    });
    it('matches each exactly when both are registered', () => {
      assertFound(router.find('GET', '/both'), 'GET /both');
      assertFound(router.find('GET', '/both/'), 'GET /both/');
    });
    it('redirects parameterised paths too', () => {
      assertRedirect(router.find('GET', '/users/7/'), '/users/7');
    });
    it('redirects whatever the method (308 keeps it)', () => {
      assertRedirect(router.find('POST', '/submit/'), '/submit');
      assertRedirect(router.find('DELETE', '/about/'), '/about');
    });
    it('prefers 405 on the exact path over a redirect', () => {
      assertNotAllowed(router.find('GET', '/submit'), ['OPTIONS', 'POST']);
    });
    it('keeps the raw percent-encoding in the location', () => {
      assertRedirect(router.find('GET', '/caf%C3%A9/'), '/caf%C3%A9');
    });
    it('never redirects "/"', () => {
      const onlyChild = routerWith(newRouter, [['GET', '/x']]);
      assertNotFound(onlyChild.find('GET', '/'));
    });
    it('never redirects to a location another host could be read from', () => {
      const catchAll = routerWith(newRouter, [['GET', '/:segment']]);
      assertRedirect(catchAll.find('GET', '/fine/'), '/fine');
      assertNotFound(catchAll.find('GET', '/\\evil.example/'));
    });
    it('does not redirect when neither form matches', () => {
      assertNotFound(router.find('GET', '/nope/nope/'));
    });
  });
}
