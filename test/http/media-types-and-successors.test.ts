// Two small, generic pieces of the route declaration, over real sockets: a
// route can accept one exact media type of a body kind (a PATCH that takes
// application/merge-patch+json only, answering 415 with Accept-Patch
// otherwise), and a deprecated route's successor can name the request's own
// path parameters.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { serve, type Harness } from './harness.ts';

describe('exact media types and per-request successors', () => {
  let harness: Harness;

  before(async () => {
    harness = await serve((app) => {
      app.route({
        method: 'PATCH',
        path: '/things/:id',
        auth: 'public',
        accepts: ['application/merge-patch+json'],
        schema: { body: z.looseObject({}) },
        handler: (c) => ({ patched: c.input.body }),
      });
      app.route({
        method: 'POST',
        path: '/things',
        auth: 'public',
        accepts: ['json'],
        schema: { body: z.looseObject({}) },
        handler: (c) => ({ posted: c.input.body }),
      });
      app.route({
        method: 'GET',
        path: '/old/:id/parts/:part',
        auth: 'public',
        deprecated: {
          since: new Date('2026-01-01T00:00:00Z'),
          sunset: new Date('2027-01-01T00:00:00Z'),
          successor: '/new/:id/parts/:part',
        },
        handler: () => ({ ok: true }),
      });
      app.route({
        method: 'GET',
        path: '/legacy',
        auth: 'public',
        deprecated: { since: new Date('2026-01-01T00:00:00Z'), successor: '/current' },
        handler: () => ({ ok: true }),
      });
    });
  });

  after(() => harness.close());

  const send = (method: string, path: string, contentType: string, body = '{"a":1}') =>
    fetch(`${harness.url}${path}`, { method, headers: { 'content-type': contentType }, body });

  test('an exact media type is accepted, with parameters, in any case', async () => {
    for (const type of [
      'application/merge-patch+json',
      'Application/Merge-Patch+JSON; charset=utf-8',
    ]) {
      const res = await send('PATCH', '/things/1', type);
      assert.equal(res.status, 200, type);
      assert.deepEqual(await res.json(), { patched: { a: 1 } });
    }
  });

  test('other types of the same kind are 415, and a PATCH says what it takes', async () => {
    for (const type of ['application/json', 'application/vnd.api+json']) {
      const res = await send('PATCH', '/things/1', type);
      assert.equal(res.status, 415, type);
      assert.equal(res.headers.get('accept-patch'), 'application/merge-patch+json');
      const problem = (await res.json()) as { detail: string };
      assert.match(problem.detail, /Send one of: application\/merge-patch\+json\./);
    }
  });

  test('a whole kind still takes every type of the kind, with no Accept-Patch', async () => {
    assert.equal((await send('POST', '/things', 'application/merge-patch+json')).status, 200);
    const refused = await send('POST', '/things', 'text/plain');
    assert.equal(refused.status, 415);
    assert.equal(refused.headers.get('accept-patch'), null);
  });

  test('a successor with :params names the request’s own successor', async () => {
    const res = await fetch(`${harness.url}/old/a%20b/parts/7`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('link'), '</new/a%20b/parts/7>; rel="successor-version"');
    assert.equal(res.headers.get('deprecation'), '@1767225600');
    assert.equal(res.headers.get('sunset'), 'Fri, 01 Jan 2027 00:00:00 GMT');
    const fixed = await fetch(`${harness.url}/legacy`);
    assert.equal(fixed.headers.get('link'), '</current>; rel="successor-version"');
  });
});
