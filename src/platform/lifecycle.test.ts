import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Lifecycle, shutdownBudget } from './lifecycle.ts';
import { createLogger } from './logger.ts';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

/** A close that never finishes, as on a peer that stopped answering. */
const hangs = () => new Promise<void>(() => {});

test('closes in reverse order of registration and reports nothing left open', async () => {
  const { logger, lines } = capturingLogger();
  const lifecycle = new Lifecycle(logger, { shutdownTimeoutMs: 5000, closeTimeoutMs: 1000 });
  const closed: string[] = [];
  for (const name of ['database', 'queue', 'http-server']) {
    lifecycle.add({ name, close: () => void closed.push(name) });
  }
  const report = await lifecycle.stop('test');
  assert.deepEqual(closed, ['http-server', 'queue', 'database']);
  assert.deepEqual(report.unclosed, []);
  assert.equal(lines.at(-1)?.msg, 'shutdown complete');
  assert.equal(lines.at(-1)?.unclosed, undefined);
});

test('a close past its own limit is left open, and the rest still close', async () => {
  const { logger, lines } = capturingLogger();
  const lifecycle = new Lifecycle(logger, { closeTimeoutMs: 60_000 });
  const closed: string[] = [];
  lifecycle.add({ name: 'database', close: () => void closed.push('database') });
  lifecycle.add({ name: 'queue', close: hangs, closeTimeoutMs: 50 });
  lifecycle.add({
    name: 'mail',
    close: () => Promise.reject(new Error('smtp gone')),
  });
  const report = await lifecycle.stop('test');
  assert.deepEqual(report.unclosed, ['queue']);
  assert.deepEqual(closed, ['database']);
  const timedOut = lines.find((line) => line.msg === 'close timed out: left open');
  assert.equal(timedOut?.resource, 'queue');
  assert.equal(timedOut?.limitMs, 50);
  assert.equal(lines.find((line) => line.msg === 'close failed')?.resource, 'mail');
  const last = lines.at(-1);
  assert.equal(last?.msg, 'shutdown complete');
  assert.deepEqual(last?.unclosed, ['queue']);
});

test('the whole shutdown is bounded: once the budget is spent, nothing waits', async () => {
  const { logger } = capturingLogger();
  const lifecycle = new Lifecycle(logger, { shutdownTimeoutMs: 100 });
  const started: string[] = [];
  for (const name of ['database', 'redis', 'queue']) {
    lifecycle.add({
      name,
      close: () => {
        started.push(name);
        return hangs();
      },
    });
  }
  const report = await lifecycle.stop('test');
  // Every close was still started, and none was waited for past the budget.
  assert.deepEqual(started, ['queue', 'redis', 'database']);
  assert.deepEqual(report.unclosed, ['queue', 'redis', 'database']);
});

test('stop is idempotent', async () => {
  const { logger } = capturingLogger();
  const lifecycle = new Lifecycle(logger);
  let closes = 0;
  lifecycle.add({ name: 'once', close: () => void (closes += 1) });
  assert.equal(lifecycle.stop('a'), lifecycle.stop('b'));
  await lifecycle.stop('c');
  assert.equal(closes, 1);
});

test('a signal stops and exits 0 (sooner when something was left open); a second aborts', async () => {
  const { logger } = capturingLogger();
  const lifecycle = new Lifecycle(logger, { closeTimeoutMs: 20 });
  lifecycle.add({ name: 'stuck', close: hangs });
  const exited = Promise.withResolvers<[number, number | undefined]>();
  const aborts: number[] = [];
  const remove = lifecycle.handleSignals({
    exit: (code, forceAfterMs) => {
      exited.resolve([code, forceAfterMs]);
    },
    abort: (code) => aborts.push(code),
  });
  try {
    process.emit('SIGTERM', 'SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    assert.deepEqual(aborts, [130]);
    const [code, forceAfterMs] = await exited.promise;
    assert.equal(code, 0);
    assert.ok(forceAfterMs !== undefined && forceAfterMs < 2000);
  } finally {
    remove();
  }
});

test('the budget is the drain delay, the grace and the close timeout', () => {
  assert.deepEqual(shutdownBudget({ drainDelayMs: 5000, graceMs: 10_000, closeTimeoutMs: 3000 }), {
    shutdownTimeoutMs: 18_000,
    closeTimeoutMs: 3000,
  });
});
