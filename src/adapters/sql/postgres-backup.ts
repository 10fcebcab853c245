// Backups of a PostgreSQL server database with PostgreSQL's own tools:
// pg_dump's custom format (compressed, restorable table by table) and
// pg_restore. The password travels in PGPASSWORD, never on the command line,
// where any user of the host could read it in the process list.

import { spawn } from 'node:child_process';
import { Client } from 'pg';

/** libpq's environment for a URL, and the URL with its password removed. */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return {
    dbname: parsed.toString(),
    env: { ...process.env, ...(password === '' ? {} : { PGPASSWORD: password }) },
  };
}

async function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const outcome = await new Promise<{ code: number | null } | { error: NodeJS.ErrnoException }>(
    (resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        resolve({ error });
      });
      child.once('close', (code: number | null) => {
        resolve({ code });
      });
    },
  );
  if ('error' in outcome) {
    const { error } = outcome;
    throw new Error(
      error.code === 'ENOENT'
        ? `${command} was not found: install the PostgreSQL client tools (same major version as the server or newer)`
        : `${command} failed to start: ${error.message}`,
    );
  }
  const { code } = outcome;
  if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim()}`);
}

/** Dumps the database at `url` into `file` (custom format). */
export async function dumpPostgres(url: string, file: string): Promise<void> {
  const { dbname, env } = connection(url);
  await run(
    'pg_dump',
    ['--format=custom', '--no-password', `--file=${file}`, `--dbname=${dbname}`],
    env,
  );
}

/** Sessions of this service on the database: a restore under them would fail or lose their writes. */
export async function serviceSessions(url: string): Promise<number> {
  const client = new Client({ connectionString: url, application_name: 'throughline-restore' });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>(
      `select count(*)::text as count from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()
         and application_name = 'throughline'`,
    );
    return Number(result.rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
}

/**
 * Replaces the database's objects with those in `file`, in one transaction:
 * either the whole backup is restored or nothing changes.
 */
export async function restorePostgres(url: string, file: string): Promise<void> {
  const { dbname, env } = connection(url);
  await run(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      '--no-password',
      `--dbname=${dbname}`,
      file,
    ],
    env,
  );
}
