// A request slower than the access log's threshold is logged at warn with
// `slow: true`; a quick one stays an info line without it — even a slow
// request shows when the service logs only warnings.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/http/app.ts';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { serve, type Harness } from './harness.ts';
import { captureLogger } from '../support/start.ts';

const SLOW_MS = 100;

function routes(h: App): void {
  h.use(accessLog({ slowMs: SLOW_MS }));
  h.get('/quick', () => ({ ok: true }), { auth: 'public' });
  h.get(
    '/slow',
    async () => {
      await delay(SLOW_MS * 2);
      return { ok: true };
    },
    { auth: 'public' },
  );
}

describe('slow requests', () => {
  let h: Harness;
  before(async () => {
    h = await serve(routes);
  });
  after(async () => {
    await h.close();
  });

  it('are logged at warn with slow: true; quick ones at info without it', async () => {
    await (await fetch(`${h.url}/quick`)).text();
    await (await fetch(`${h.url}/slow`)).text();
    const lines = h.logs.filter((record) => record.msg === 'request');
    const quick = lines.find((record) => record.route === '/quick');
    const slow = lines.find((record) => record.route === '/slow');
    assert.equal(quick?.level, 'info');
    assert.equal(quick?.slow, undefined);
    assert.equal(slow?.level, 'warn');
    assert.equal(slow?.slow, true);
    assert.ok(Number(slow?.durationMs) >= SLOW_MS);
  });
});

describe('slow requests when only warnings are logged', () => {
  const captured = captureLogger('warn');
  let h: Harness;
  before(async () => {
    h = await serve(routes, { logger: captured.logger });
  });
  after(async () => {
    await h.close();
  });

  it('still show, and quick ones do not', async () => {
    await (await fetch(`${h.url}/quick`)).text();
    await (await fetch(`${h.url}/slow`)).text();
    const lines = captured.records.filter((record) => record.msg === 'request');
    assert.deepEqual(
      lines.map((record) => [record.route, record.level]),
      [['/slow', 'warn']],
    );
  });
});
