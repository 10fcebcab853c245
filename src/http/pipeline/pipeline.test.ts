import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Context } from './context.ts';
import { compose, middleware, PHASES, sortByPhase, type Middleware } from './pipeline.ts';

// The pipeline never touches the context itself; an empty stand-in is enough.
const fakeContext = Object.create(null) as Context;

function recorder(trace: string[], name: string, phase: Middleware['phase']): Middleware {
  return middleware(name, phase, async (_c, next) => {
    trace.push(`>${name}`);
    await next();
    trace.push(`<${name}`);
  });
}

describe('pipeline', () => {
  test('phases are the seed canonical order', () => {
    assert.deepEqual(PHASES, [
      'recovery',
      'requestId',
      'accessLog',
      'cors',
      'securityHeaders',
      'bodyParsing',
      'compression',
      'rateLimit',
      'authn',
      'authz',
      'validation',
      'handler',
    ]);
  });

  test('middleware run in phase order whatever the registration order (onion)', async () => {
    const trace: string[] = [];
    const list = sortByPhase([
      recorder(trace, 'authz', 'authz'),
      recorder(trace, 'cors', 'cors'),
      recorder(trace, 'rate', 'rateLimit'),
      recorder(trace, 'log', 'accessLog'),
      recorder(trace, 'authn', 'authn'),
    ]);
    await compose(list, () => {
      trace.push('handler');
    })(fakeContext);
    assert.deepEqual(trace, [
      '>log',
      '>cors',
      '>rate',
      '>authn',
      '>authz',
      'handler',
      '<authz',
      '<authn',
      '<rate',
      '<cors',
      '<log',
    ]);
  });

  test('registration order is kept within a phase', () => {
    const a = middleware('a', 'authn', (_c, next) => next());
    const b = middleware('b', 'authn', (_c, next) => next());
    assert.deepEqual(
      sortByPhase([b, a]).map((m) => m.name),
      ['b', 'a'],
    );
  });

  test('a middleware that does not call next short-circuits the rest', async () => {
    const trace: string[] = [];
    const stop = middleware('stop', 'rateLimit', () => {
      trace.push('stop');
    });
    await compose(
      [recorder(trace, 'log', 'accessLog'), stop, recorder(trace, 'authn', 'authn')],
      () => {
        trace.push('handler');
      },
    )(fakeContext);
    assert.deepEqual(trace, ['>log', 'stop', '<log']);
  });

  test('sync errors throw, async errors reject', async () => {
    const sync = middleware('sync', 'authn', () => {
      throw new Error('sync boom');
    });
    assert.throws(() => compose([sync], () => undefined)(fakeContext), /sync boom/);
    const log = middleware('log', 'accessLog', async (_c, next) => {
      await next();
    });
    await assert.rejects(
      Promise.resolve(
        compose([log], () => {
          throw new Error('handler boom');
        })(fakeContext),
      ),
      /handler boom/,
    );
    const asyncHandler = compose([log], () => Promise.reject(new Error('async boom')));
    await assert.rejects(Promise.resolve(asyncHandler(fakeContext)), /async boom/);
    // With no middleware the handler itself is the chain; the core catches its sync throws.
    assert.throws(
      () =>
        compose([], () => {
          throw new Error('bare boom');
        })(fakeContext),
      /bare boom/,
    );
  });

  test('a synchronous chain allocates no promise', () => {
    const trace: string[] = [];
    const sync = middleware('sync', 'authn', (_c, next) => {
      trace.push('before');
      return next();
    });
    const result = compose([sync], () => {
      trace.push('handler');
    })(fakeContext);
    assert.equal(result, undefined);
    assert.deepEqual(trace, ['before', 'handler']);
  });

  test('calling next twice is refused', async () => {
    const twice = middleware('twice', 'authn', async (_c, next) => {
      await next();
      await next();
    });
    await assert.rejects(
      Promise.resolve(compose([twice], () => undefined)(fakeContext)),
      /next\(\) called more than once/,
    );
  });

  test('core-owned and unknown phases are refused at declaration', () => {
    assert.throws(() => middleware('x', 'recovery', (_c, next) => next()), /owned by the core/);
    assert.throws(() => middleware('x', 'requestId', (_c, next) => next()), /owned by the core/);
    assert.throws(
      () => middleware('x', 'nope' as Middleware['phase'], (_c, next) => next()),
      /unknown phase/,
    );
  });
});
