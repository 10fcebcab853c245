import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DirectoryLockedError,
  liveLockOwner,
  lockDirectory,
  processStartTicks,
  type LockOwner,
} from './directory-lock.ts';

const LOCK_MODULE = fileURLToPath(new URL('./directory-lock.ts', import.meta.url));

async function lockPath(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'data.lock');
}

function ownerRecord(overrides: Partial<LockOwner>): string {
  return JSON.stringify({
    pid: process.pid,
    startTicks: processStartTicks('self'),
    hostname: 'this-host',
    since: new Date().toISOString(),
    command: 'node test',
    ...overrides,
  });
}

/** A process that stays alive until the test ends. */
function liveProcess(t: TestContext) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  t.after(() => child.kill('SIGKILL'));
  return child;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

test('the lock is exclusive within a process and free again after release', async (t) => {
  const path = await lockPath(t);
  const lock = await lockDirectory(path);
  const recorded = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  assert.equal(recorded.pid, process.pid);
  await assert.rejects(lockDirectory(path), (error: unknown) => {
    assert.ok(error instanceof DirectoryLockedError);
    assert.equal(error.owner.pid, process.pid);
    assert.match(error.message, new RegExp(`held by pid ${process.pid}`));
    return true;
  });
  assert.equal((await liveLockOwner(path))?.pid, process.pid);
  await lock.release();
  assert.equal(await liveLockOwner(path), undefined);
  const again = await lockDirectory(path);
  await again.release();
});

test('a live process on this host keeps its lock', async (t) => {
  const path = await lockPath(t);
  const child = liveProcess(t);
  await once(child, 'spawn');
  await writeFile(
    path,
    ownerRecord({
      pid: child.pid!,
      startTicks: processStartTicks(child.pid!),
      hostname: hostname(),
    }),
  );
  await assert.rejects(lockDirectory(path), DirectoryLockedError);
});

test('a lock whose process is gone, or whose pid was reused, is taken over', async (t) => {
  const gone = await lockPath(t);
  await writeFile(gone, ownerRecord({ pid: await deadPid(), hostname: hostname() }));
  const first = await lockDirectory(gone);
  assert.equal(first.owner.pid, process.pid);
  await first.release();

  const child = liveProcess(t);
  await once(child, 'spawn');
  const ticks = processStartTicks(child.pid!);
  if (ticks === null) {
    t.skip('no /proc on this platform: a reused pid cannot be told apart');
    return;
  }
  const reused = await lockPath(t);
  // The pid runs, but it is not the process that took the lock: it started at another time.
  await writeFile(
    reused,
    ownerRecord({ pid: child.pid!, startTicks: ticks + 1, hostname: hostname() }),
  );
  const second = await lockDirectory(reused);
  await second.release();
});

test('a lock from another host is live while its heartbeat is fresh', async (t) => {
  const path = await lockPath(t);
  await writeFile(path, ownerRecord({ pid: 1, hostname: 'another-host' }));
  await assert.rejects(lockDirectory(path), (error: unknown) => {
    assert.ok(error instanceof DirectoryLockedError);
    assert.match(error.message, /on host another-host/);
    return true;
  });
  const longAgo = new Date(Date.now() - 60_000);
  await utimes(path, longAgo, longAgo);
  const lock = await lockDirectory(path);
  await lock.release();
});

test('an empty lock file is waited for while fresh and removed once old', async (t) => {
  const path = await lockPath(t);
  await writeFile(path, '');
  const longAgo = new Date(Date.now() - 60_000);
  await utimes(path, longAgo, longAgo);
  const lock = await lockDirectory(path);
  await lock.release();
});

test('a lock file still being written is waited for, then judged by its owner', async (t) => {
  const path = await lockPath(t);
  const child = liveProcess(t);
  await once(child, 'spawn');
  await writeFile(path, '');
  // The owner finishes writing a moment later; the contender must not take the empty file.
  setTimeout(() => {
    void writeFile(
      path,
      ownerRecord({
        pid: child.pid!,
        startTicks: processStartTicks(child.pid!),
        hostname: hostname(),
      }),
    );
  }, 300);
  await assert.rejects(lockDirectory(path), DirectoryLockedError);
});

test('processes racing for one stale lock: exactly one wins', async (t) => {
  const path = await lockPath(t);
  await writeFile(path, ownerRecord({ pid: await deadPid(), hostname: hostname() }));
  const contenders = 6;
  // Each contender tries once, reports, and holds what it got until told to go.
  const script = `
    const { lockDirectory } = await import(${JSON.stringify(LOCK_MODULE)});
    try { await lockDirectory(${JSON.stringify(path)}); console.log('won'); }
    catch (error) { console.log(error.name === 'DirectoryLockedError' ? 'refused' : 'error ' + error.message); }
    process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
  const children = Array.from({ length: contenders }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  t.after(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  const outcomes = await Promise.all(
    children.map(async (child) => {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      return chunk.toString().trim();
    }),
  );
  assert.deepEqual(
    outcomes.sort(),
    ['refused', 'refused', 'refused', 'refused', 'refused', 'won'],
    outcomes.join(', '),
  );
  for (const child of children) child.stdin.end();
  await Promise.all(children.map((child) => once(child, 'exit')));
});
