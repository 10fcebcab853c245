// The disk outbox against the Mailer contract, plus what only it promises:
// owner-only files, complete JSON records, newest first.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createDiskOutbox, listOutbox } from '../../src/adapters/mail/disk-outbox.ts';
import { runMailerContract } from '../../src/ports/mailer.contract.ts';

const FROM = 'Throughline Tests <no-reply@example.test>';

runMailerContract('disk outbox', async () => {
  const root = await mkdtemp(join(tmpdir(), 'throughline-outbox-'));
  const mailer = createDiskOutbox({ dir: join(root, 'mail'), from: FROM });
  return {
    mailer,
    from: FROM,
    async delivered(to) {
      const mails = (await mailer.list()).filter((mail) => mail.to === to).reverse();
      return mails.map((mail) => ({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html ?? undefined,
        mimeType: undefined,
      }));
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('disk outbox', () => {
  const withOutbox = async (fn: (dir: string) => Promise<void>) => {
    const root = await mkdtemp(join(tmpdir(), 'throughline-outbox-'));
    try {
      await fn(join(root, 'mail'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };

  test('creates an owner-only directory and owner-only files', async () => {
    await withOutbox(async (dir) => {
      const outbox = createDiskOutbox({ dir, from: FROM });
      await outbox.send({ to: 'ann@example.test', subject: 'Hi', text: 'secret link' });
      assert.equal((await stat(dir)).mode & 0o777, 0o700);
      const names = await readdir(dir);
      assert.equal(names.length, 1);
      assert.match(names[0]!, /\.json$/);
      assert.equal((await stat(join(dir, names[0]!))).mode & 0o777, 0o600);
    });
  });

  test('stores id, to, from, subject, text, html and createdAt; lists newest first', async () => {
    await withOutbox(async (dir) => {
      let clock = Date.parse('2030-01-01T00:00:00.000Z');
      const outbox = createDiskOutbox({ dir, from: FROM, now: () => new Date(clock) });
      await outbox.send({ to: 'a@example.test', subject: 'older', text: 'one' });
      clock += 1000;
      await outbox.send({ to: 'b@example.test', subject: 'newer', text: 'two', html: '<b>2</b>' });
      // Same millisecond: the order of sending still decides.
      await outbox.send({ to: 'c@example.test', subject: 'newest', text: 'three' });
      const listed = await outbox.list();
      assert.deepEqual(
        listed.map((mail) => mail.subject),
        ['newest', 'newer', 'older'],
      );
      const newer = listed[1]!;
      assert.match(newer.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...newer, id: undefined },
        {
          id: undefined,
          to: 'b@example.test',
          from: FROM,
          subject: 'newer',
          text: 'two',
          html: '<b>2</b>',
          createdAt: '2030-01-01T00:00:01.000Z',
        },
      );
      assert.equal(listed[2]!.html, null);
      assert.deepEqual(await listOutbox(dir), listed);
    });
  });

  test('an outbox nothing was sent to yet lists as empty', async () => {
    await withOutbox(async (dir) => {
      assert.deepEqual(await createDiskOutbox({ dir, from: FROM }).list(), []);
    });
  });
});
