// The request context as handlers experience it: request ids, the context
// reached through AsyncLocalStorage, the per-request logger, cancellation on
// disconnect and deadline, deny-by-default auth, and the global error handler.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { currentContext } from '../../src/http/pipeline/request-storage.ts';
import { httpError } from '../../src/http/errors.ts';
import { middleware } from '../../src/http/pipeline/pipeline.ts';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { rawRequest, serve, type Harness } from './harness.ts';

/** A minted id: 8 characters of base64url, a dash, a base-36 counter. */
const MINTED = /^[A-Za-z0-9_-]{8}-[0-9a-z]+$/;

async function deepInTheCallStack(): Promise<string | undefined> {
  await tick();
  return currentContext()?.requestId;
}

describe('request context', () => {
  let h: Harness;
  let abortReason: Promise<string> | undefined;
  let resolveAbort: ((reason: string) => void) | undefined;

  before(async () => {
    h = await serve(
      (app) => {
        // A stand-in authenticator: trusts `x-test-user` (tests only).
        app.use(
          middleware('test-authn', 'authn', (c, next) => {
            const user = c.header('x-test-user');
            if (user !== undefined) {
              c.identity = {
                subject: user,
                method: 'test',
                permissions: new Set(user === 'admin' ? ['users:delete'] : []),
              };
            }
            return next();
          }),
        );
        app.get('/id', async (c) => ({ id: c.requestId, viaStorage: await deepInTheCallStack() }), {
          auth: 'public',
        });
        app.get(
          '/log',
          (c) => {
            c.log.info({ marker: 'from-handler' }, 'handler says hi');
            return { ok: true };
          },
          { auth: 'public' },
        );
        app.get(
          '/wait-for-abort',
          (c) =>
            new Promise<void>((resolve) => {
              c.signal.addEventListener('abort', () => {
                resolveAbort?.((c.signal.reason as DOMException).name);
                resolve();
              });
            }),
          { auth: 'public' },
        );
        app.get('/me', (c) => ({ subject: c.identity?.subject }));
        app.delete('/users/:id', () => ({ deleted: true }), { permissions: ['users:delete'] });
        app.get(
          '/fail',
          () => {
            throw new Error('database password is hunter2');
          },
          { auth: 'public' },
        );
        app.get(
          '/domain-error',
          () => {
            throw httpError('HTTP_RATE_LIMITED', {
              detail: 'slow down',
              headers: { 'retry-after': '30' },
            });
          },
          { auth: 'public' },
        );
      },
      { requestContext: true },
    );
  });

  after(() => h.close());

  const expectAbort = () => {
    abortReason = new Promise((resolve) => {
      resolveAbort = resolve;
    });
    return abortReason;
  };

  test('a request id is minted, echoed, and reachable through AsyncLocalStorage', async () => {
    const res = await fetch(`${h.url}/id`);
    const body = (await res.json()) as { id: string; viaStorage: string };
    assert.match(body.id, MINTED);
    assert.equal(res.headers.get('x-request-id'), body.id);
    assert.equal(body.viaStorage, body.id);
    const next = (await (await fetch(`${h.url}/id`)).json()) as { id: string };
    assert.notEqual(next.id, body.id);
    // One prefix per process, then a counter in base 36 that only goes up.
    assert.equal(next.id.slice(0, 9), body.id.slice(0, 9));
    assert.ok(parseInt(next.id.slice(9), 36) > parseInt(body.id.slice(9), 36));
  });

  test('without requestContext, requests run outside AsyncLocalStorage', async () => {
    const plain = await serve((app) => {
      app.get('/id', async (c) => ({ id: c.requestId, viaStorage: await deepInTheCallStack() }), {
        auth: 'public',
      });
    });
    try {
      const body = (await (await fetch(`${plain.url}/id`)).json()) as { viaStorage?: string };
      assert.equal(body.viaStorage, undefined);
    } finally {
      await plain.close();
    }
  });

  test('a well-formed incoming x-request-id is honoured; a malformed one replaced', async () => {
    const kept = await fetch(`${h.url}/id`, { headers: { 'x-request-id': 'edge-7f3a:1c2b' } });
    assert.equal(kept.headers.get('x-request-id'), 'edge-7f3a:1c2b');
    const replaced = await fetch(`${h.url}/id`, {
      headers: { 'x-request-id': 'bad id\twith spaces<script>' },
    });
    assert.match(replaced.headers.get('x-request-id') ?? '', MINTED);
  });

  test('the request logger carries the request id', async () => {
    const res = await fetch(`${h.url}/log`, { headers: { 'x-request-id': 'log-test-1' } });
    assert.equal(res.status, 200);
    const line = h.logs.find((l) => l.marker === 'from-handler');
    assert.equal(line?.reqId, 'log-test-1');
  });

  test('the signal aborts when the client disconnects', async () => {
    const aborted = expectAbort();
    const req = http.get(`${h.url}/wait-for-abort`, { agent: false });
    req.on('error', () => undefined);
    // Disconnect only once the request is in the handler (the server holds it open).
    while (h.app.inflight === 0) await tick();
    req.destroy();
    assert.equal(await aborted, 'AbortError');
  });

  test('the deadline aborts the signal and answers 503 with a problem', async () => {
    const aborted = expectAbort();
    const short = await serve(
      (app) => {
        app.get(
          '/hang',
          (c) =>
            new Promise<void>((resolve) => {
              c.signal.addEventListener('abort', () => {
                resolveAbort?.((c.signal.reason as DOMException).name);
                resolve();
              });
            }),
          { auth: 'public' },
        );
      },
      { deadlineMs: 200 },
    );
    after(() => short.close());
    const res = await fetch(`${short.url}/hang`);
    assert.equal(res.status, 503);
    const problem = (await res.json()) as { code: string };
    assert.equal(problem.code, 'HTTP_DEADLINE_EXCEEDED');
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(await aborted, 'TimeoutError');
  });

  test('work stopped by a client leaving is a 499 at info in the access log, not a 500', async () => {
    const left = await serve((app) => {
      app.use(accessLog());
      app.get(
        '/stops-on-abort',
        (c) =>
          new Promise<void>((_resolve, reject) => {
            // What a query cancelled for the request rejects with.
            c.signal.addEventListener('abort', () => {
              const stopped = new Error('query cancelled', { cause: c.signal.reason });
              stopped.name = 'AbortError';
              reject(stopped);
            });
          }),
        { auth: 'public' },
      );
    });
    after(() => left.close());
    const req = http.get(`${left.url}/stops-on-abort`, { agent: false });
    req.on('error', () => undefined);
    while (left.app.inflight === 0) await tick();
    req.destroy();
    while (!left.logs.some((r) => r.msg === 'request')) await tick();
    const line = left.logs.find((r) => r.msg === 'request')!;
    assert.equal(line.status, 499);
    assert.equal(line.level, 'info');
    const recovered = left.logs.find((r) => r.code === 'HTTP_CLIENT_CLOSED_REQUEST');
    assert.equal(recovered?.level, 'debug');
    assert.deepEqual(
      left.logs.filter((r) => r.level === 'error'),
      [],
    );
  });

  test('routes are authenticated by default: 401 without identity, 200 with', async () => {
    const anonymous = await fetch(`${h.url}/me`);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer');
    assert.equal(((await anonymous.json()) as { code: string }).code, 'HTTP_UNAUTHENTICATED');
    const known = await fetch(`${h.url}/me`, { headers: { 'x-test-user': 'ann' } });
    assert.deepEqual(await known.json(), { subject: 'ann' });
  });

  test('403 when authenticated without the permission the route declares', async () => {
    const denied = await fetch(`${h.url}/users/1`, {
      method: 'DELETE',
      headers: { 'x-test-user': 'ann' },
    });
    assert.equal(denied.status, 403);
    const allowed = await fetch(`${h.url}/users/1`, {
      method: 'DELETE',
      headers: { 'x-test-user': 'admin' },
    });
    assert.equal(allowed.status, 200);
  });

  test('an unexpected error is a generic 500: cause logged with the request id, never sent', async () => {
    const res = await rawRequest(h.url, { path: '/fail', headers: { 'x-request-id': 'fail-1' } });
    assert.equal(res.status, 500);
    assert.doesNotMatch(res.body, /hunter2|Error|at /);
    const problem = JSON.parse(res.body) as Record<string, unknown>;
    assert.equal(problem.code, 'HTTP_INTERNAL');
    assert.equal(problem.requestId, 'fail-1');
    const line = h.logs.find((l) => l.reqId === 'fail-1' && l.level === 'error');
    assert.ok(line, 'the error is logged at error level');
    assert.match(JSON.stringify(line.err), /hunter2/);
    assert.match(JSON.stringify(line.err), /stack/);
  });

  test('AppErrors map to their status with their headers and detail', async () => {
    const res = await fetch(`${h.url}/domain-error`);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '30');
    const problem = (await res.json()) as Record<string, unknown>;
    assert.equal(problem.detail, 'slow down');
    assert.equal(problem.type, 'tag:throughline.dev,2026:problems/http-rate-limited');
  });
});

describe('error mappers', () => {
  test('an installed mapper turns a lower-layer error into its AppError', async () => {
    class DriverError extends Error {
      readonly code = 'ECONNRESET';
    }
    const h = await serve(
      (app) => {
        app.get(
          '/db',
          () => {
            throw new DriverError('connection lost');
          },
          { auth: 'public' },
        );
      },
      {
        errorMappers: [
          (error) =>
            error instanceof DriverError
              ? httpError('HTTP_SERVICE_UNAVAILABLE', { headers: { 'retry-after': '1' } })
              : undefined,
        ],
      },
    );
    try {
      const res = await fetch(`${h.url}/db`);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(((await res.json()) as { code: string }).code, 'HTTP_SERVICE_UNAVAILABLE');
    } finally {
      await h.close();
    }
  });
});
