// The development and test mailer: each message becomes one JSON file in a
// directory (DATA_DIR/mail), readable back with `list()`. Nothing leaves the
// machine, and a developer can open the verification or reset link straight
// from the file. The messages hold one-time links, so the directory is
// owner-only (0700) and every file 0600.
//
// A file is written under a temporary name and renamed into place, so a
// reader never sees half a message. Names sort by creation time (then by a
// per-process counter), which is what `list()` orders by.

/* eslint-disable security/detect-non-literal-fs-filename -- the folder comes from configuration; file names are built here from a time, a counter and a generated id */

import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailMessage, MailOutbox, Mailer, StoredMail } from '../../ports/mailer.ts';

export interface DiskOutbox extends Mailer, MailOutbox {
  readonly dir: string;
}

export interface DiskOutboxOptions {
  readonly dir: string;
  /** The From header, e.g. `Throughline <no-reply@localhost>`. */
  readonly from: string;
  readonly now?: () => Date;
}

const SUFFIX = '.json';
let sequence = 0;

export function createDiskOutbox(options: DiskOutboxOptions): DiskOutbox {
  const { dir, from } = options;
  const now = options.now ?? (() => new Date());
  let prepared: Promise<void> | undefined;
  // mkdir's mode applies only to directories it creates; chmod covers one
  // that already existed with looser permissions.
  const prepare = () =>
    (prepared ??= mkdir(dir, { recursive: true, mode: 0o700 })
      .then(() => chmod(dir, 0o700))
      .catch((error: unknown) => {
        prepared = undefined;
        throw error;
      }));

  return {
    dir,
    async send(message: MailMessage) {
      await prepare();
      const createdAt = now();
      const id = randomUUID();
      const stored: StoredMail = {
        id,
        to: message.to,
        from,
        subject: message.subject,
        text: message.text,
        html: message.html ?? null,
        createdAt: createdAt.toISOString(),
      };
      sequence = (sequence + 1) % 1_000_000;
      const name = `${String(createdAt.getTime()).padStart(15, '0')}-${String(sequence).padStart(6, '0')}-${id}`;
      const temporary = join(dir, `.${name}.tmp`);
      await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
      await rename(temporary, join(dir, `${name}${SUFFIX}`));
    },
    list: (options) => listOutbox(dir, options),
    close: () => Promise.resolve(),
  };
}

/** The messages in an outbox directory, newest first; empty when it does not exist yet. */
export async function listOutbox(
  dir: string,
  options: { readonly limit?: number } = {},
): Promise<StoredMail[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((name) => name.endsWith(SUFFIX) && !name.startsWith('.'));
  files.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  // Names sort like the messages: only the files asked for are read.
  return Promise.all(
    files
      .slice(0, options.limit)
      .map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as StoredMail),
  );
}
