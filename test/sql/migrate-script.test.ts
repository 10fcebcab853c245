// scripts/migrate.ts as operators run it: embedded PGlite by default, the
// PostgreSQL server when DATABASE_URL is set (that leg is skipped without it).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { createFreshDatabase } from '../support/fresh-database.ts';
import { runScript as runScriptFile } from '../support/process.ts';

const SCRIPT = fileURLToPath(new URL('../../scripts/migrate.ts', import.meta.url));
const serverUrl = process.env.DATABASE_URL;

const run = (args: readonly string[], env: Record<string, string>) =>
  runScriptFile(SCRIPT, args, env);

describe('scripts/migrate.ts', { timeout: 300_000 }, () => {
  it('rejects an unknown command with exit code 2', async () => {
    const result = await run(['sideways'], {});
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: migrate\.ts \[status\]/);
  });

  it('migrates the embedded database in DATA_DIR, which keeps the result', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'migrate-script-'));
    try {
      const applied = await run([], { DATA_DIR: dataDir });
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /database: pglite /);
      assert.match(applied.stdout, /^0001\s+core\s+applied$/m);
      const status = await run(['status'], { DATA_DIR: dataDir });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, /^0001\s+core\s+applied$/m);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('migrates DATABASE_URL, and exits 1 once an applied migration changed', async (t) => {
    if (serverUrl === undefined || serverUrl === '') {
      t.skip('DATABASE_URL is not set');
      return;
    }
    const fresh = await createFreshDatabase(serverUrl);
    try {
      const env = { DATABASE_URL: fresh.url };
      const applied = await run([], env);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /^0001\s+core\s+applied$/m);
      assert.equal((await run(['status'], env)).code, 0);
      const client = new Client({ connectionString: fresh.url });
      await client.connect();
      await client.query(`update schema_migrations set checksum = 'tampered' where version = 1`);
      await client.end();
      const status = await run(['status'], env);
      assert.equal(status.code, 1);
      assert.match(status.stdout, /^0001\s+core\s+changed$/m);
      const refused = await run([], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /0001_core\.sql was changed after it was applied/);
    } finally {
      await fresh.drop();
    }
  });
});
